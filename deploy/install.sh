#!/usr/bin/env bash
# Installs a built migtrain on a Debian 12 host as a systemd service.
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j
#   sudo deploy/install.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
install -m 0755 "$top/build/migtrain" /usr/local/bin/migtrain
id migtrain >/dev/null 2>&1 || useradd --system --home /var/lib/migtrain --shell /usr/sbin/nologin migtrain
install -d -o migtrain -g migtrain -m 0750 /var/lib/migtrain
install -d -m 0755 /etc/migtrain
[ -f /etc/migtrain/migtrain.env ] || install -m 0640 -g migtrain "$top/deploy/migtrain.env.example" /etc/migtrain/migtrain.env
install -m 0644 "$top/deploy/migtrain.service" /etc/systemd/system/migtrain.service
install -m 0644 "$top/deploy/migtrain@.service" /etc/systemd/system/migtrain@.service
systemctl daemon-reload
echo "Edit /etc/migtrain/migtrain.env, create the database and role, then:"
echo "  systemctl enable --now migtrain"
echo "  sudo -u migtrain env \$(cat /etc/migtrain/migtrain.env | xargs) migtrain import-content $top/content"
