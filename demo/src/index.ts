export { runDemo, type DemoOptions, type DemoResult } from './runDemo.ts';
export { defaultSize, type DemoNetwork, type NetworkSize } from './network.ts';
