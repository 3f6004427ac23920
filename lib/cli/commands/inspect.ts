/**
 * `sda inspect FILE`: prints the report of lib/torchfile/inspect.ts (the structure of any `torch.save`
 * file, nothing in it run) as text or JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { inspectTorchFile, type InspectNode } from '../../torchfile/inspect';
import { modelNotFound } from '../cli-error';
import { EXIT_OK } from '../exit-codes';
import { cliParser } from '../gen-options';
import { parsePositiveInt } from '../../jobs/options';
import { formatBytes, printJson, printLines } from '../output';

function describe(n: InspectNode): string {
  switch (n.type) {
    case 'None': return 'None';
    case 'bool': case 'int': case 'float': return `${n.type} ${String(n.value)}`;
    case 'str': return `str ${JSON.stringify(n.value)}`;
    case 'bytes': case 'bytearray': return `${n.type} (${n.length})`;
    case 'dict': case 'OrderedDict': return `${n.type} (${n.size} ${n.size === 1 ? 'key' : 'keys'})`;
    case 'list': case 'tuple': case 'set': return `${n.type} (${n.length})`;
    case 'tensor': case 'parameter': return `${n.type} ${n.dtype} [${n.shape.join(', ')}]${n.device === 'cpu' ? '' : ` on ${n.device}`}`;
    case 'ndarray': return `ndarray ${n.dtype ?? '?'} [${n.shape.join(', ')}]`;
    case 'numpy scalar': return `numpy ${n.dtype ?? '?'} ${String(n.value)}`;
    case 'object': {
      const arg = n.args && 'items' in n.args && n.args.items?.length === 1 ? n.args.items[0] : undefined;
      const shown = arg && 'value' in arg ? ` (${JSON.stringify(arg.value)})` : '';
      return `object ${n.class ?? '?'}${shown}`;
    }
    case 'global': return `global ${n.name}`;
    case 'storage': return `storage ${n.dtype} (${n.numel})`;
    case 'ref': return `same object as ${n.path}`;
  }
}

function treeLines(n: InspectNode, indent: string, out: string[], maxLines: number): void {
  const children: Array<[string, InspectNode]> =
    'keys' in n && n.keys ? Object.entries(n.keys) : 'items' in n && n.items ? n.items.map((x, i) => [`[${i}]`, x]) : [];
  const many = children.length > 0 && children.every(([, c]) => c.type === 'float' || c.type === 'int');
  if (many) {
    out.push(`${indent}${children.slice(0, 8).map(([, c]) => String((c as { value: unknown }).value)).join(', ')}${children.length > 8 ? ', ...' : ''}`);
    return;
  }
  for (const [k, c] of children) {
    if (out.length >= maxLines) return;
    out.push(`${indent}${k}: ${describe(c)}`);
    treeLines(c, `${indent}  `, out, maxLines);
  }
  if ('items' in n && n.items && n.length > n.items.length) out.push(`${indent}... ${n.length - n.items.length} more`);
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .argument('<file>', 'any torch.save file: .sda, .distill, a checkpoint .pt, a state dict, ...')
    .description('show the structure of a torch.save file: keys, tensor dtypes and shapes, globals used (nothing in it is run)')
    .option('--depth <n>', 'levels of the object tree to show (default: all in --json, 3 in text)', cliParser(parsePositiveInt('depth', 1000)))
    .option('--json', 'print the report as JSON: container, protocol, kind, globals, tensors, tree')
    .addHelpText(
      'after',
      `
Examples:
  $ sda inspect model.sda
  $ sda inspect checkpoint_epoch0040.pt --depth 2
  $ sda inspect model.sda --json | jq .globals

Exit codes: 0 inspected, 1 failure (missing, damaged or not a torch.save file), 2 bad usage.`,
    )
    .action(async (file: string, f: { depth?: number; json?: boolean }) => {
      if (!fs.existsSync(file)) throw modelNotFound(file, `no file ${path.resolve(file)}`);
      const report = await inspectTorchFile(file, f.depth ?? (f.json ? 64 : 3));
      if (f.json) printJson(report);
      else {
        const lines = [
          `${report.file}`,
          `  ${report.container} torch.save file, ${formatBytes(report.sizeBytes)}, pickle protocol ${report.protocol}, ${report.byteOrder}-endian` +
            (report.container === 'zip' ? `, archive ${report.archiveName}/` : ''),
          `  kind     ${report.kind}`,
          `  tensors  ${report.tensors.count} (${Object.entries(report.tensors.dtypes).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}), ${formatBytes(report.tensors.bytes)} of data${report.tensors.devices.length ? ` saved on ${report.tensors.devices.join(', ')}` : ''}`,
          `  globals  ${Object.keys(report.globals).join(', ') || 'none'}`,
          '',
          `${describe(report.tree)}`,
        ];
        treeLines(report.tree, '  ', lines, 400);
        printLines(lines);
      }
      process.exitCode = EXIT_OK;
    });
}
