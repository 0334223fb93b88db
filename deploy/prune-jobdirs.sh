#!/bin/sh
# Delete the JOBDIRs of old crawls under scrapyd's jobs directories.
#
# scrapyd gives every crawl its own JOBDIR (jobs/PROJECT/SPIDER/JOBID, see jobs_dir in
# scrapyd.conf) and never deletes it; job ids are never reused, so a finished crawl's JOBDIR is
# never read again. A JOBDIR in which nothing was written for DAYS days is removed; one that a
# running crawl still writes to is kept.
#
# Usage: prune-jobdirs.sh [--days N] JOBS_DIR...   (systemd: rficrawl-prune-jobdirs.timer)
set -eu
days=7
if [ "${1:-}" = "--days" ]; then
  days=$2
  shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [--days N] JOBS_DIR..." >&2; exit 2; }
for jobs in "$@"; do
  [ -d "$jobs" ] || continue
  find "$jobs" -mindepth 3 -maxdepth 3 -type d | while IFS= read -r jobdir; do
    if [ -z "$(find "$jobdir" -newermt "-$days days" -print -quit)" ]; then
      rm -rf -- "$jobdir"
      echo "removed $jobdir"
    fi
  done
done
