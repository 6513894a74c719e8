'use strict';
// Asterisk's hello world with ari-client: every call entering the
// application is answered, hears sound:hello-world to its end and is hung up.

const { options, report, fail, serve, ignoreNotFound } = require('./common');

async function greet(client, channel, handled) {
  report('call', { channel: channel.id, caller: channel.caller.number });
  await channel.answer();
  report('answered', { channel: channel.id });
  // The playback's id is chosen before it starts, so its PlaybackFinished
  // cannot arrive before anyone listens for it.
  const playback = client.Playback();
  const finished = new Promise((resolve) => {
    playback.once('PlaybackFinished', (event, ended) => resolve(ended));
  });
  await channel.play({ media: 'sound:hello-world' }, playback);
  const ended = await finished;
  report('playback_finished', {
    channel: channel.id,
    playback: ended.id,
    media: ended.media_uri,
    state: ended.state,
  });
  // A caller who left during the greeting is gone already: that is fine.
  await channel.hangup().catch(ignoreNotFound);
  report('hung_up', { channel: channel.id });
  handled();
}

serve(options(), greet).catch(fail);
