"""Inside `stsenv exec --server`: the median time of N credential requests, as an SDK makes
them (one connection each). Prints `MEDIAN_MS <value>`."""
import os
import statistics
import sys
import time
import urllib.request

url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
headers = {"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    urllib.request.urlopen(urllib.request.Request(url, headers=headers)).read()
    times.append((time.perf_counter() - start) * 1000)
print(f"MEDIAN_MS {statistics.median(times):.3f}")
