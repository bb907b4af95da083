import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One finding of buf: a lint violation or a breaking change, at a place in a .proto file. */
export interface ProtoFinding {
  readonly kind: 'lint' | 'breaking';
  /** buf's rule id, e.g. FIELD_SAME_TYPE, FIELD_NO_DELETE, ENUM_ZERO_VALUE_SUFFIX. */
  readonly rule: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
}

interface BufAnnotation {
  path?: string;
  start_line?: number;
  type?: string;
  message?: string;
}

/**
 * Lints the protobuf contracts and compares them with the published image for wire and
 * JSON compatibility (the WIRE_JSON rules of proto/buf.yaml): a consumer that decodes with
 * the published definitions must still read what the new ones write.
 */
export async function protoChanges(options: {
  readonly repoRoot: string;
  readonly protoDir: string;
  /** A `buf build -o` image of the published contracts; absent before the first publish. */
  readonly publishedImage: string | undefined;
}): Promise<ProtoFinding[]> {
  const findings = await bufAnnotations(options.repoRoot, ['lint', options.protoDir], 'lint');
  if (options.publishedImage) {
    findings.push(
      ...(await bufAnnotations(
        options.repoRoot,
        ['breaking', options.protoDir, '--against', options.publishedImage],
        'breaking',
      )),
    );
  }
  return findings;
}

/** Breaking changes from one published image to another (for `diff A B`). */
export function protoImageChanges(repoRoot: string, image: string, against: string): Promise<ProtoFinding[]> {
  return bufAnnotations(repoRoot, ['breaking', image, '--against', against], 'breaking');
}

/** Builds the image that `publish` records and later checks compare against. */
export async function buildProtoImage(repoRoot: string, protoDir: string, output: string): Promise<void> {
  await run(buf(repoRoot), ['build', protoDir, '-o', output], { cwd: repoRoot });
}

function buf(repoRoot: string): string {
  return join(repoRoot, 'node_modules', '.bin', 'buf');
}

async function bufAnnotations(repoRoot: string, args: string[], kind: ProtoFinding['kind']): Promise<ProtoFinding[]> {
  try {
    await run(buf(repoRoot), [...args, '--error-format', 'json'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    return [];
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    // buf exits 100 for findings; anything else is buf itself failing (bad input, missing image).
    const lines = `${e.stdout ?? ''}`.split('\n').filter((l) => l.trim().startsWith('{'));
    if (e.code !== 100 || lines.length === 0) {
      throw new Error(`buf ${args[0]} failed: ${e.stderr || e.stdout || String(error)}`, { cause: error });
    }
    return lines.map((line) => {
      const a = JSON.parse(line) as BufAnnotation;
      return {
        kind,
        rule: a.type ?? 'UNKNOWN',
        message: a.message ?? '',
        file: a.path ?? '',
        line: a.start_line ?? 0,
      };
    });
  }
}
