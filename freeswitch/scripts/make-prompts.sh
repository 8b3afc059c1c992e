#!/bin/sh
# callwarden: generates the default consent prompts and announcements in German and English
# with espeak-ng and sox (Debian: apt-get install espeak-ng sox), as 8 kHz mono 16-bit WAV —
# FreeSWITCH plays them on a PCMA/PCMU call without resampling. The file names are the ones
# config/default.json references (recording.groups.*.prompts).
#
#   sudo freeswitch/scripts/make-prompts.sh [/usr/share/freeswitch/sounds/callwarden]
#
# Produces <dir>/de/*.wav and <dir>/en/*.wav. Replace them with studio recordings whenever you
# like: only the names matter. Re-running overwrites them.
set -eu

DIR="${1:-/usr/share/freeswitch/sounds/callwarden}"
RATE=8000

for tool in espeak-ng sox; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "make-prompts: $tool is missing (Debian/Ubuntu: apt-get install espeak-ng sox)" >&2
    exit 1
  fi
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# say <lang> <file> <text>: synthesise, then 8 kHz mono 16-bit, trimmed, slightly louder,
# with 200 ms of silence after it so a following key press is not cut off.
say() {
  lang="$1"; name="$2"; text="$3"
  mkdir -p "$DIR/$lang"
  espeak-ng -v "$lang" -s 150 -w "$TMP/raw.wav" "$text"
  sox "$TMP/raw.wav" -r "$RATE" -c 1 -b 16 -e signed-integer "$DIR/$lang/$name.wav" \
    silence 1 0.05 0.5% gain -n -3 pad 0 0.2
  echo "  $DIR/$lang/$name.wav"
}

echo "make-prompts: writing to $DIR"

say de consent-menu "Dieses Gespräch kann zur Qualitätssicherung aufgezeichnet werden. Wenn Sie einverstanden sind, drücken Sie bitte die 1. Wenn Sie nicht einverstanden sind, drücken Sie die 9."
say de invalid-entry "Diese Eingabe ist ungültig. Bitte drücken Sie die 1 oder die 9."
say de notice "Dieses Gespräch wird aufgezeichnet."
say de notice-with-objection "Dieses Gespräch wird aufgezeichnet. Wenn Sie nicht einverstanden sind, drücken Sie bitte die 9."
say de recording-started "Die Aufzeichnung beginnt."
say de no-recording "Dieses Gespräch wird nicht aufgezeichnet."
say de recording-stopped "Die Aufzeichnung wurde beendet."
say de reannouncement "Sie werden verbunden. Das Gespräch wird weiterhin aufgezeichnet."

say en consent-menu "This call may be recorded for quality purposes. If you agree, please press 1. If you do not agree, press 9."
say en invalid-entry "That key is not valid. Please press 1 or 9."
say en notice "This call is recorded."
say en notice-with-objection "This call is recorded. If you object, please press 9."
say en recording-started "Recording starts now."
say en no-recording "This call will not be recorded."
say en recording-stopped "Recording has stopped."
say en reannouncement "You are being transferred. The call continues to be recorded."

# FreeSWITCH runs as the freeswitch user on Debian; it only needs to read the files.
chmod -R a+rX "$DIR"
echo "make-prompts: done"
