"""A minimal IAM Identity Center for the benchmark and for trying stsenv without AWS: the
portal's GetRoleCredentials and an SSO OIDC that approves every device sign-in at the first
poll. The tests use their own, stricter stub (tests/common/sso.rs).

Usage: sso_stub.py PORT   (then AWS_ENDPOINT_URL_SSO=AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:PORT)
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counter = 0


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, body, status=200, error=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global counter
        if not self.path.startswith("/federation/credentials"):
            return self.reply({"message": "not found"}, 404, "ResourceNotFoundException")
        if not self.headers.get("x-amz-sso_bearer_token"):
            return self.reply({"message": "no token"}, 401, "UnauthorizedException")
        counter += 1
        creds = {
            "accessKeyId": f"ASIASTUB{counter:012d}",
            "secretAccessKey": f"stub-secret-{counter}",
            "sessionToken": f"stub-token-{counter}",
            "expiration": int((time.time() + 3600) * 1000),
        }
        self.reply({"roleCredentials": creds})

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        now = int(time.time())
        if self.path == "/client/register":
            self.reply({"clientId": "stub-client", "clientSecret": "stub-secret", "clientIdIssuedAt": now,
                        "clientSecretExpiresAt": now + 90 * 86400})
        elif self.path == "/device_authorization":
            self.reply({"deviceCode": "stub-device", "userCode": "STUB-CODE",
                        "verificationUri": "http://127.0.0.1/device",
                        "verificationUriComplete": "http://127.0.0.1/device?user_code=STUB-CODE",
                        "expiresIn": 600, "interval": 1})
        elif self.path == "/token":
            token = {"accessToken": f"stub-access-{now}", "tokenType": "Bearer", "expiresIn": 28800}
            if body.get("grantType") == "refresh_token" or "scoped" in body.get("clientSecret", ""):
                token["refreshToken"] = f"stub-refresh-{now}"
            self.reply(token)
        else:
            self.reply({"message": "not found"}, 404, "ResourceNotFoundException")


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
