'use strict';
// Two callers talk with ari-client: callers are answered and paired in
// arrival order; each pair gets its own mixing bridge, and when either
// caller hangs up the app hangs up the other and destroys the bridge.

const { options, report, fail, serve, ignoreNotFound } = require('./common');

// The caller waiting for a partner, if any.
let waiting = null;

async function talk(client, first, second, handled) {
  const bridge = client.Bridge();
  let ending = false;
  const end = (leaving, staying) => {
    // Both callers' StasisEnd arrive: the first one ends the pair.
    if (ending) {
      return;
    }
    ending = true;
    report('left', { channel: leaving.id, bridge: bridge.id });
    staying
      .hangup()
      .catch(ignoreNotFound)
      .then(() => report('hung_up', { channel: staying.id }))
      .then(() => bridge.destroy())
      .catch(ignoreNotFound)
      .then(() => {
        report('bridge_destroyed', { bridge: bridge.id });
        handled();
      })
      .catch(fail);
  };
  // Listening before creating: a caller may leave at any moment.
  first.once('StasisEnd', () => end(first, second));
  second.once('StasisEnd', () => end(second, first));
  await bridge.create({ type: 'mixing' });
  report('bridge_created', { bridge: bridge.id });
  await bridge.addChannel({ channel: [first.id, second.id] });
  report('bridged', { bridge: bridge.id, channels: [first.id, second.id] });
}

async function arrive(client, channel, handled) {
  report('call', { channel: channel.id, caller: channel.caller.number });
  await channel.answer();
  report('answered', { channel: channel.id });
  if (waiting === null) {
    waiting = channel;
    // A caller who leaves before a partner comes is no longer waiting.
    channel.once('StasisEnd', () => {
      if (waiting === channel) {
        waiting = null;
        report('left', { channel: channel.id });
      }
    });
    return;
  }
  const first = waiting;
  waiting = null;
  await talk(client, first, channel, handled);
}

serve(options(), arrive).catch(fail);
