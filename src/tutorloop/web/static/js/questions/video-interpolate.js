// Where a keyframed track is on a frame: the rule of tutorloop/quality/tracks.py, with the same
// floating-point operations, so the browser shows exactly the boxes the server exports.
//
// The keyframe k at or before frame f decides: none → not shown; k.outside → not shown until the next
// keyframe; the next keyframe n shown → x = k.x + (n.x - k.x) * t with t = (f - k.frame) / (n.frame - k.frame)
// (same for y, w, h); no n, or n outside → k's box unchanged. `occluded` is k's flag up to n.

/** Index of the last keyframe at or before `frame` (-1 when the track starts later). Binary search. */
export function keyframeIndex(keyframes, frame) {
  let lo = 0;
  let hi = keyframes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (keyframes[mid].frame <= frame) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
  }
  return found;
}

/** The track's box on `frame`: {frame, x, y, w, h, occluded, keyframe}, or null where it is not shown. */
export function boxAt(track, frame) {
  const keyframes = track.keyframes || [];
  const i = keyframeIndex(keyframes, frame);
  if (i < 0 || keyframes[i].outside) return null;
  const k = keyframes[i];
  let x = Number(k.x);
  let y = Number(k.y);
  let w = Number(k.w);
  let h = Number(k.h);
  const n = keyframes[i + 1];
  if (k.frame !== frame && n && !n.outside) {
    const t = (frame - k.frame) / (n.frame - k.frame);
    x += (Number(n.x) - x) * t;
    y += (Number(n.y) - y) * t;
    w += (Number(n.w) - w) * t;
    h += (Number(n.h) - h) * t;
  }
  return { frame, x, y, w, h, occluded: Boolean(k.occluded), keyframe: k.frame === frame };
}

/**
 * The track's box on every frame where it is shown, in order (like tracks.expand_track): `frames` is the
 * video's frame count (the track stays after its last keyframe), null to stop at the last keyframe.
 */
export function expandTrack(track, frames) {
  const keyframes = track.keyframes || [];
  if (!keyframes.length) return [];
  const horizon = frames === null || frames === undefined ? keyframes[keyframes.length - 1].frame + 1 : frames;
  const out = [];
  for (let i = 0; i < keyframes.length; i += 1) {
    const k = keyframes[i];
    if (k.frame >= horizon) break;
    if (k.outside) continue;
    const next = keyframes[i + 1];
    const end = Math.min(next ? next.frame : horizon, horizon);
    for (let f = k.frame; f < end; f += 1) out.push(boxAt(track, f));
  }
  return out;
}

/** The frame ranges [start, end] (inclusive) where the track is shown, up to `frames` (null: last keyframe). */
export function visibleRuns(track, frames) {
  const keyframes = track.keyframes || [];
  if (!keyframes.length) return [];
  const last = frames === null || frames === undefined ? keyframes[keyframes.length - 1].frame : frames - 1;
  const runs = [];
  for (let i = 0; i < keyframes.length; i += 1) {
    const k = keyframes[i];
    if (k.outside || k.frame > last) continue;
    const next = keyframes[i + 1];
    const end = Math.min(next ? next.frame - 1 : last, last);
    const prev = runs[runs.length - 1];
    if (prev && prev[1] === k.frame - 1) prev[1] = end; else runs.push([k.frame, end]);
  }
  return runs;
}

/**
 * Set the keyframe at `frame` (replacing one there, or inserting in order); returns the new keyframe list.
 * `fields` are merged over the track's current box on that frame.
 */
export function withKeyframe(track, frame, fields) {
  const keyframes = (track.keyframes || []).slice();
  const current = boxAt(track, frame) || nearestBox(track, frame);
  const base = current
    ? { x: current.x, y: current.y, w: current.w, h: current.h, occluded: Boolean(current.occluded) }
    : { x: 0, y: 0, w: 1, h: 1, occluded: false };
  const i = keyframeIndex(keyframes, frame);
  const keyframe = { frame, ...base, outside: false, ...fields };
  if (i >= 0 && keyframes[i].frame === frame) keyframes[i] = keyframe;
  else keyframes.splice(i + 1, 0, keyframe);
  return keyframes;
}

/** The box of the shown keyframe nearest before `frame` (else after it): where an object was last seen. */
export function nearestBox(track, frame) {
  const keyframes = track.keyframes || [];
  const i = keyframeIndex(keyframes, frame);
  for (let j = i; j >= 0; j -= 1) if (!keyframes[j].outside) return keyframes[j];
  for (let j = i + 1; j < keyframes.length; j += 1) if (!keyframes[j].outside) return keyframes[j];
  return null;
}
