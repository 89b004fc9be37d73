#!/bin/bash
# Follows docs/deploy.md (sections 4-13) on a freshly booted Debian 13 container, as root (sudo dropped).
set -euxo pipefail
exec > /root/first-boot.log 2>&1
cd /root/wheelhouse
# 4. system user and folders
adduser --system --group --home /srv/shouwang --no-create-home shouwang
usermod -aG shouwang www-data
install -d -m 0755 -o root -g root /srv/shouwang /etc/shouwang
install -d -m 0700 -o shouwang -g shouwang /srv/shouwang/var
# 5. install the program (offline: the container has no network but loopback)
bash deploy/install-offline.sh
install -m 0640 -o root -g shouwang deploy/shouwang.env.example /etc/shouwang/shouwang.env
install -m 0644 deploy/gunicorn.conf.py /etc/shouwang/gunicorn.conf.py
install -m 0755 deploy/shouwang-manage /usr/local/bin/shouwang-manage
# 6. environment file
SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
sed -i "s|^SHOUWANG_SECRET_KEY=CHANGE-ME|SHOUWANG_SECRET_KEY=$SECRET|; s|^SHOUWANG_ALLOWED_HOSTS=.*|SHOUWANG_ALLOWED_HOSTS=shouwang.example.gov.cn,127.0.0.1|" /etc/shouwang/shouwang.env
! grep -n CHANGE-ME /etc/shouwang/shouwang.env
# 7. PostgreSQL
OWNER_PW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
sudo -u postgres psql -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE shouwang_owner LOGIN PASSWORD '$OWNER_PW'" -c "CREATE ROLE shouwang LOGIN"
sudo -u postgres createdb --owner=shouwang_owner --encoding=UTF8 --template=template0 --locale=C.UTF-8 shouwang
sudo -u postgres psql -d shouwang -v ON_ERROR_STOP=1 < deploy/postgresql/roles.sql
sed "s|CHANGE-ME|$OWNER_PW|" deploy/owner.env.example | install -m 0600 -o root -g root /dev/stdin /etc/shouwang/owner.env
unset OWNER_PW
# 8. keys
bash deploy/init-keys.sh
# 9. database, static files, regions, first administrator
shouwang-manage --owner migrate
shouwang-manage --owner protect_audit --app-role shouwang
shouwang-manage collectstatic --noinput
shouwang-manage check --deploy --fail-level WARNING
shouwang-manage load_regions
shouwang-manage add_user admin1 --role admin --region 433122
# 10. self-signed certificate (closed network)
openssl req -x509 -newkey rsa:3072 -sha256 -days 1095 -nodes \
  -subj "/CN=shouwang.example.gov.cn" \
  -addext "subjectAltName=DNS:shouwang.example.gov.cn,IP:127.0.0.1" \
  -keyout /etc/ssl/private/shouwang.key -out /etc/ssl/certs/shouwang.crt
chmod 0600 /etc/ssl/private/shouwang.key
# 11. nginx
install -m 0644 deploy/nginx/shouwang.conf /etc/nginx/sites-available/shouwang
ln -s /etc/nginx/sites-available/shouwang /etc/nginx/sites-enabled/shouwang
rm -f /etc/nginx/sites-enabled/default
nginx -t && systemctl restart nginx
# 12. services
install -m 0644 deploy/systemd/shouwang-web.service deploy/systemd/shouwang-worker.service \
     deploy/systemd/shouwang-scheduler.service deploy/systemd/shouwang.target /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now shouwang-web shouwang-worker shouwang-scheduler shouwang.target
sleep 20
systemctl status --no-pager shouwang-web shouwang-worker shouwang-scheduler || true
systemctl is-active shouwang-web shouwang-worker shouwang-scheduler
# 13. check: HTTPS through nginx, the health endpoint, HTTP redirected, the login page
curl -fsS --resolve shouwang.example.gov.cn:443:127.0.0.1 --cacert /etc/ssl/certs/shouwang.crt https://shouwang.example.gov.cn/healthz | tee /root/healthz.json
echo
curl -sS -o /dev/null -w "http: %{http_code} -> %{redirect_url}\n" --resolve shouwang.example.gov.cn:80:127.0.0.1 http://shouwang.example.gov.cn/login/
curl -fsS -o /dev/null -w "login page over https: %{http_code}\n" --resolve shouwang.example.gov.cn:443:127.0.0.1 --cacert /etc/ssl/certs/shouwang.crt https://shouwang.example.gov.cn/login/
curl -sSI --resolve shouwang.example.gov.cn:443:127.0.0.1 --cacert /etc/ssl/certs/shouwang.crt https://shouwang.example.gov.cn/login/ | grep -i "strict-transport\|content-security\|cache-control"
# the worker takes a job and the scheduler runs: wait for the scheduler's first run to show on /healthz
for i in $(seq 1 12); do
  sleep 10
  curl -fsS --resolve shouwang.example.gov.cn:443:127.0.0.1 --cacert /etc/ssl/certs/shouwang.crt https://shouwang.example.gov.cn/healthz > /root/healthz2.json
  grep -q '"scheduler_last_run": "' /root/healthz2.json && break
done
cat /root/healthz2.json; echo
systemctl restart shouwang.target && sleep 10 && systemctl is-active shouwang-web shouwang-worker shouwang-scheduler
journalctl -u shouwang-web -u shouwang-worker -u shouwang-scheduler --no-pager | tail -40
ls -la /var/log/shouwang/ && tail -3 /var/log/shouwang/access.log
echo FIRST-BOOT-OK
