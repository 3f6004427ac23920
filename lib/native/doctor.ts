/** `sda doctor`: what this installation runs on, and what is wrong with it if anything. */
import * as path from 'path';
import { SdaError } from '../errors';
import { listDevices, resolveDevice, type DeviceInfo } from './devices';
import { addonInfo } from './loader';
import { readLocation, type LibtorchSource } from './location';
import { packageRoot, packageVersion } from '../package-info';

export interface DoctorReport {
  package: { name: 'small-dataset-audio'; version: string; root: string };
  /** null when LibTorch has not been located. */
  libtorch: {
    version: string;
    path: string;
    foundBy: LibtorchSource;
    cudaBuild: boolean;
    libraries: string[];
  } | null;
  /** null when the addon could not be loaded. */
  addon: { path: string; builtAgainst: string; prebuilt: boolean } | null;
  devices: DeviceInfo[];
  /** What `auto` resolves to. */
  defaultDevice: string | null;
  /** One line per problem found; empty when all is well. */
  problems: string[];
  ok: boolean;
}

function problemOf(err: unknown): string {
  return err instanceof SdaError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
}

/** Checks the installation. Never throws: problems are reported in the result. */
export function doctor(): DoctorReport {
  const report: DoctorReport = {
    package: { name: 'small-dataset-audio', version: packageVersion(), root: packageRoot() },
    libtorch: null,
    addon: null,
    devices: [],
    defaultDevice: null,
    problems: [],
    ok: false,
  };
  try {
    const loc = readLocation();
    report.libtorch = {
      version: loc.version,
      path: loc.root,
      foundBy: loc.foundBy,
      cudaBuild: loc.cudaBuild,
      libraries: loc.libraries,
    };
    const addon = addonInfo();
    report.addon = { ...addon, prebuilt: addon.path.includes(`${path.sep}prebuilds${path.sep}`) };
    report.devices = listDevices();
    report.defaultDevice = resolveDevice('auto', report.devices).id;
  } catch (err) {
    report.problems.push(problemOf(err));
  }
  report.ok = report.problems.length === 0;
  return report;
}

/** The report as the text `sda doctor` prints. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines = [`small-dataset-audio ${r.package.version} (${r.package.root})`];
  if (r.libtorch) {
    lines.push(`LibTorch     ${r.libtorch.version} at ${r.libtorch.path} (found via ${r.libtorch.foundBy}${r.libtorch.cudaBuild ? ', CUDA build' : ', CPU-only build'})`);
  } else {
    lines.push('LibTorch     not located');
  }
  lines.push(r.addon ? `Addon        ${r.addon.path}${r.addon.prebuilt ? ' (prebuilt)' : ''}, built against LibTorch ${r.addon.builtAgainst}` : 'Addon        not loaded');
  if (r.devices.length > 0) {
    lines.push('Devices');
    for (const d of r.devices) {
      const extra = d.type === 'cpu' ? `${d.threads} threads` : [d.name, d.totalMemoryBytes ? `${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB` : ''].filter(Boolean).join(', ');
      lines.push(`  ${d.id.padEnd(10)} ${extra}${d.id === r.defaultDevice ? '  <- auto' : ''}`);
    }
  }
  for (const p of r.problems) lines.push(`Problem      ${p}`);
  lines.push(r.ok ? 'Status       ok' : 'Status       NOT OK');
  return lines.join('\n');
}
