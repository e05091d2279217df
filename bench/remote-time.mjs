// Preloaded into a Lockstep CLI process by the bench (`node --import ./bench/remote-time.mjs`)
// to split its wall time into "a remote command or file transfer is running" and the
// rest (Lockstep's own overhead: planning, connecting, waiting on itself). It wraps
// ssh2's exec channels and SFTP calls, and at exit writes their [start, end] intervals
// (ms since the process started) to $LOCKSTEP_BENCH_REMOTE_TIMES as JSON.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const out = process.env.LOCKSTEP_BENCH_REMOTE_TIMES;
if (out) {
  const require = createRequire(new URL('../package.json', import.meta.url));
  const { Client } = require('ssh2');
  const { SFTP } = require('ssh2/lib/protocol/SFTP.js');
  /** @type {[number, number, string][]} */
  const intervals = [];

  const exec = Client.prototype.exec;
  Client.prototype.exec = function (command, options, callback) {
    const done = typeof options === 'function' ? options : callback;
    const started = performance.now();
    const wrapped = (error, channel) => {
      if (!error && channel) channel.once('close', () => intervals.push([started, performance.now(), 'exec']));
      done(error, channel);
    };
    return typeof options === 'function' ? exec.call(this, command, wrapped) : exec.call(this, command, options, wrapped);
  };

  for (const name of ['writeFile', 'readFile', 'chmod', 'ext_openssh_rename', 'unlink', 'fastPut', 'fastGet', 'stat', 'mkdir']) {
    const original = SFTP.prototype[name];
    if (typeof original !== 'function') continue;
    SFTP.prototype[name] = function (...args) {
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last];
        const started = performance.now();
        args[last] = (...results) => {
          intervals.push([started, performance.now(), 'sftp']);
          callback(...results);
        };
      }
      return original.apply(this, args);
    };
  }

  process.on('exit', () => {
    // timeOrigin (epoch ms of the process start) puts the intervals on the journal's clock.
    writeFileSync(out, JSON.stringify({ wallMs: performance.now(), timeOrigin: performance.timeOrigin, intervals }));
  });
}
