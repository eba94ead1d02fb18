"""botocore's own SSO token code, as the AWS CLI runs it.

  sso_token.py save SESSION ACCESS_TOKEN   writes a token the way the CLI's `sso login` does
  sso_token.py load PROFILE                loads the profile's token with botocore's
                                           SSOTokenProvider (the CLI's sso-session path) and
                                           prints `TOKEN <accessToken>`
"""
import datetime
import os
import sys

import botocore.session
from botocore.tokens import SSOTokenProvider
from botocore.utils import JSONFileCache, SSOTokenLoader

CACHE_DIR = os.path.expanduser(os.path.join("~", ".aws", "sso", "cache"))

if sys.argv[1] == "save":
    session_name, access_token = sys.argv[2], sys.argv[3]
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)
    token = {
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": access_token,
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    SSOTokenLoader(cache=JSONFileCache(CACHE_DIR)).save_token(token["startUrl"], token, session_name=session_name)
    print("SAVED")
else:
    session = botocore.session.Session(profile=sys.argv[2])
    token = SSOTokenProvider(session).load_token()
    print("TOKEN", token.get_frozen_token().token)
