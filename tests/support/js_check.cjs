// The AWS SDK for JavaScript v3 with its default provider chain (AWS_PROFILE, the profile's
// credential_process): GetCallerIdentity N times in one process. Prints `ARN <arn>` once.
// Run with NODE_PATH pointing at the node_modules that hold @aws-sdk/client-sts.
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

(async () => {
    const client = new STSClient({});
    let arn = "";
    for (let i = 0; i < Number(process.argv[2] || 1); i++) {
        arn = (await client.send(new GetCallerIdentityCommand({}))).Arn;
    }
    console.log("ARN", arn);
})().catch((e) => {
    console.error(String(e));
    process.exit(1);
});
