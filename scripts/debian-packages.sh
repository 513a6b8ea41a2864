#!/usr/bin/env bash
# Installs the Debian packages anfang needs: `demo` (what `make run` needs: ffmpeg and
# GStreamer's RTSP server for the simulated cameras), `test` (that, plus the browser,
# fonts and the real servers the tests use) or `bench` (that, plus the load tool wrk). As root it uses apt-get; otherwise it names
# what is missing and how to install it. For `demo` a missing package is not fatal: the
# demo runs without the part that needs it and says so in one line.
set -euo pipefail
what=${1:-test}
demo=(ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 python3-gst-1.0 gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-rtsp gstreamer1.0-libav)
want=("${demo[@]}")
if [ "$what" = test ] || [ "$what" = bench ]; then
  # browser tests, CJK screenshots, the real servers; SIPp plays a third-party door station
  want+=(chromium fonts-noto-cjk postgresql mosquitto nats-server sip-tester)
fi
# the HTTP load tool of bench/console
[ "$what" = bench ] && want+=(wrk)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
# The demo goes on without them (one line each from the part that needs them).
soft=$([ "$what" = demo ] && echo 0 || echo 1)
if ! command -v apt-get >/dev/null; then
  echo "anfang: please install these packages with your system's package manager: ${missing[*]}" >&2
  exit "$soft"
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "anfang: missing Debian packages: ${missing[*]}" >&2
  echo "        run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit "$soft"
fi
echo "anfang: installing Debian packages: ${missing[*]}"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends "${missing[@]}"; }; then
  echo "anfang: apt-get could not install ${missing[*]}" >&2
  exit "$soft"
fi
