"""A long job in `stsenv exec --server`: fetches credentials the way every SDK does (the
container endpoint), several times, and checks that nothing else could have been used.

Usage: server_client.py ROUNDS PAUSE   prints `ARN …` per round, then `ENDPOINT <url>`.
"""
import os
import sys
import time
import urllib.error
import urllib.request

import boto3

assert "AWS_ACCESS_KEY_ID" not in os.environ, "keys in the child's environment"
assert "AWS_PROFILE" not in os.environ, "AWS_PROFILE in the child's environment"
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]

for _ in range(int(sys.argv[1])):
    session = boto3.session.Session()  # a new session asks the endpoint again
    print("ARN", session.client("sts").get_caller_identity()["Arn"], flush=True)
    time.sleep(float(sys.argv[2]))

request = urllib.request.Request(url, headers={"Authorization": "wrong"})
try:
    urllib.request.urlopen(request)
    print("WRONG-TOKEN-ACCEPTED")
except urllib.error.HTTPError as e:
    print("WRONG-TOKEN", e.code)
print("ENDPOINT", url, flush=True)
