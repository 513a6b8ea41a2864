#!/usr/bin/env bash
# Installs the Debian packages anfang's tests need (browser, fonts, the real servers).
# As root it uses apt-get; otherwise it names what is missing and how to install it.
set -euo pipefail
want=(chromium fonts-noto-cjk postgresql mosquitto nats-server
  # video: ffmpeg (ffprobe, the comparison recorder) and GStreamer's RTSP server for
  # the simulated cameras (run with Debian's /usr/bin/python3, which owns `gi`)
  ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 python3-gst-1.0 gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-rtsp gstreamer1.0-libav
  # intercom: SIPp plays a third-party door station in one test
  sip-tester)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "anfang: please install these packages with your system's package manager: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "anfang: missing Debian packages: ${missing[*]}" >&2
  echo "        run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "anfang: installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
