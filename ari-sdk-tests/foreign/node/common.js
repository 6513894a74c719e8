'use strict';
const ari = require('ari-client');

// What both Node programs share: their settings, their progress lines on
// stdout (one JSON object a line, for the test that drives them) and how
// they end.

const USAGE =
  'options: --url URL --username USER --password PASSWORD --app NAME --calls N\n' +
  '(or ARI_URL, ARI_USERNAME, ARI_PASSWORD, ARI_APPLICATION; --calls 0 runs until a signal)';

// Reads `--name value` pairs, each falling back to its environment variable.
function options() {
  const given = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || i + 1 >= args.length) {
      usage(`unexpected argument ${args[i]}`);
    }
    given[args[i].slice(2)] = args[i + 1];
  }
  const setting = (name, variable) => {
    const value = given[name] !== undefined ? given[name] : process.env[variable];
    if (value === undefined || value === '') {
      usage(`--${name} (or ${variable}) is required`);
    }
    return value;
  };
  const calls = Number(given.calls !== undefined ? given.calls : '0');
  if (!Number.isInteger(calls) || calls < 0) {
    usage(`--calls must be a whole number, not ${given.calls}`);
  }
  return {
    url: setting('url', 'ARI_URL'),
    username: setting('username', 'ARI_USERNAME'),
    password: setting('password', 'ARI_PASSWORD'),
    app: setting('app', 'ARI_APPLICATION'),
    calls,
  };
}

function usage(problem) {
  process.stderr.write(`${problem}\n${USAGE}\n`);
  process.exit(2);
}

function report(event, fields) {
  process.stdout.write(`${JSON.stringify(Object.assign({ event }, fields))}\n`);
}

// Any failure ends the program with a non-zero status, saying what failed.
function fail(error) {
  const message = error && error.message ? error.message : String(error);
  report('error', { message });
  process.stderr.write(`${(error && error.stack) || message}\n`);
  process.exit(1);
}

// Closes the events websocket and exits 0: the calls were handled, or a
// signal asked the program to stop.
function finish(client, why) {
  report('finished', { why });
  client.stop();
  process.exit(0);
}

// A failure no promise catches (the Swagger library throws some) fails the
// program too.
process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);

// Hanging up or destroying what is already gone is done, not an error.
// ari-client's errors carry only the response's body (`{"message":"Channel
// not found"}` for a 404), not its status.
function ignoreNotFound(error) {
  if (!/not found/i.test((error && error.message) || '')) {
    throw error;
  }
}

// Connects as `settings` say and calls `onStart(client, channel, handled)`
// for every channel entering the application; `handled()`, called once a
// call is over, ends the program after `settings.calls` calls.
async function serve(settings, onStart) {
  const client = await ari.connect(settings.url, settings.username, settings.password);
  // Connected, the program stops on SIGINT / SIGTERM.
  process.on('SIGINT', () => finish(client, 'SIGINT'));
  process.on('SIGTERM', () => finish(client, 'SIGTERM'));
  const info = await client.asterisk.getInfo();
  report('connected', { version: info.system.version });
  let count = 0;
  const handled = () => {
    count += 1;
    report('handled', { calls: count });
    if (count === settings.calls) {
      finish(client, 'calls handled');
    }
  };
  client.on('StasisStart', (event, channel) => {
    onStart(client, channel, handled).catch(fail);
  });
  await client.start(settings.app);
  report('ready', { app: settings.app });
}

module.exports = { options, report, fail, serve, ignoreNotFound };
