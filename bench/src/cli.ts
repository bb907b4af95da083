/** `npm run bench -- read|write [--seconds N] [--connections N]`: commands that print figures. */
import { benchRead } from './read.ts';

const [which, ...rest] = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = rest.indexOf(name);
  return index >= 0 ? Number(rest[index + 1]) : fallback;
};

switch (which) {
  case 'read':
    await benchRead({ seconds: option('--seconds', 10), connections: option('--connections', 32) });
    break;
  default:
    console.error('usage: npm run bench -- read [--seconds 10] [--connections 32]');
    process.exitCode = 2;
}
