#!/usr/bin/env bash
# Debian packages the tests use: nmap (discovery), iptables (timeout hosts), the GStreamer RTSP server run by the
# system python3 with gi (the simulated cameras' RTSP feed) and mosquitto (the MQTT broker the simulated cameras'
# notifications are delivered to). Skipped when not root or when already present.
set -euo pipefail
PKGS="nmap iptables python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
gstreamer1.0-plugins-ugly gstreamer1.0-rtsp gstreamer1.0-tools mosquitto"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "note: missing Debian packages:$missing (need root + apt-get); the RTSP, nmap and MQTT tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
