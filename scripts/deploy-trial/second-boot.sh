#!/bin/bash
# Second boot of the deployed container: the services come up by themselves (enabled), the scheduler hands a
# due job to the worker, which runs it.
set -euxo pipefail
exec > /root/second-boot.log 2>&1
sleep 15
systemctl is-active postgresql nginx shouwang-web shouwang-worker shouwang-scheduler
CURL="curl -fsS --resolve shouwang.example.gov.cn:443:127.0.0.1 --cacert /etc/ssl/certs/shouwang.crt"
$CURL https://shouwang.example.gov.cn/healthz; echo
shouwang-manage shell -c "
from shouwang.core.models import ScheduledJob
from shouwang.core.scheduling import change_schedule
print(list(ScheduledJob.objects.values_list('name', 'time_of_day', 'every_minutes')))
name = ScheduledJob.objects.filter(name__icontains='dashboard').values_list('name', flat=True).first() or ScheduledJob.objects.values_list('name', flat=True).first()
from datetime import timedelta
from django.utils import timezone
at = (timezone.localtime() + timedelta(minutes=2)).time().replace(second=0, microsecond=0)
print('runs at', at, name)
change_schedule(name, None, time_of_day=at)
"
for i in $(seq 1 30); do
  sleep 10
  $CURL https://shouwang.example.gov.cn/healthz > /root/healthz3.json
  grep -q '"worker_last_started": "' /root/healthz3.json && break
done
cat /root/healthz3.json; echo
sleep 20
shouwang-manage shell -c "
from shouwang.core.models import Job
for j in Job.objects.order_by('id'): print(j.kind, j.status, j.started_at, j.finished_at, j.message[:80] if j.message else '')
"
journalctl -u shouwang-worker -u shouwang-scheduler --no-pager | tail -15
echo SECOND-BOOT-OK
