# stsenv for PowerShell. Add to $PROFILE:  Invoke-Expression (& stsenv init pwsh | Out-String)
#
# - `stsenv assume|session|unset|renew …` change this session's environment; other
#   subcommands pass through. With output redirected they print code like the binary.
# - Before each prompt, a hook removes the credentials once STSENV_EXPIRES_AT has passed (and
#   puts back what the first assume replaced), warns once when fewer than STSENV_WARN_MINUTES
#   (default 5) remain, and renews without a prompt with STSENV_AUTO_RENEW=1.
# - STSENV_PROMPT holds "PROFILE 42m" (or "PROFILE 11h59m") for your prompt.

function global:__stsenv_binary {
    Get-Command -Name stsenv -CommandType Application -ErrorAction Stop | Select-Object -First 1
}

function global:__stsenv_eval {
    # The shell is named in the environment, never added to the user's arguments; after
    # expiry `stsenv renew` still knows what was asked.
    $env:STSENV_SHELL = 'pwsh'
    if (-not $env:STSENV_REQUEST -and $global:__stsenv_request) { $env:STSENV_REQUEST = $global:__stsenv_request }
    try {
        $out = & (__stsenv_binary) @args
        $status = $LASTEXITCODE
    } finally {
        Remove-Item -ErrorAction SilentlyContinue Env:STSENV_SHELL
    }
    if ($status -ne 0) { return $false }
    Invoke-Expression (($out | Out-String))
    # An explicit unset forgets it too: renew has nothing to bring back.
    if ($args.Count -gt 0 -and $args[0] -eq 'unset') { $global:__stsenv_request = $null }
    return $true
}

function global:stsenv {
    $verb = if ($args.Count -gt 0) { [string]$args[0] } else { '' }
    # Help, data formats and another shell's code are for the screen, not for Invoke-Expression.
    $forScreen = ($args | Where-Object { $_ -in '--help', '-h', '--dry-run' -or "$_".StartsWith('--format') -or ("$_".StartsWith('--shell=') -and "$_" -ne '--shell=pwsh') }).Count -gt 0
    $i = [array]::IndexOf([string[]]$args, '--shell')
    if ($i -ge 0 -and "$($args[$i + 1])" -ne 'pwsh') { $forScreen = $true }
    if (($verb -in 'assume', 'session', 'unset', 'renew') -and -not $forScreen -and -not [Console]::IsOutputRedirected) {
        $null = __stsenv_eval @args
        return
    }
    & (__stsenv_binary) @args
}

function global:__stsenv_set_prompt([long]$left) {
    $name = [string]$env:STSENV_PROFILE
    if ($name.StartsWith('arn:')) { $name = $name.Substring($name.LastIndexOf('/') + 1) }
    # Whole minutes left (floor), the one rounding of the prompt, the warning and `stsenv status`.
    $minutes = [long][math]::Floor($left / 60)
    if ($minutes -ge 60) {
        $env:STSENV_PROMPT = '{0} {1}h{2:d2}m' -f $name, [math]::Floor($minutes / 60), ($minutes % 60)
    } else {
        $env:STSENV_PROMPT = '{0} {1}m' -f $name, $minutes
    }
}

function global:__stsenv_expire {
    foreach ($var in ([string]$env:STSENV_VARS -split ' ')) {
        # Only names stsenv manages, whatever the variable says.
        if ($var -cmatch '^(AWS|STSENV)_[A-Z_]+$') { Remove-Item -ErrorAction SilentlyContinue "Env:$var" }
    }
    Remove-Item -ErrorAction SilentlyContinue Env:STSENV_EXPIRES_AT, Env:STSENV_PROMPT
    $saved = [string]$env:STSENV_SAVED -split ' '
    foreach ($var in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION',
        'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SECURITY_TOKEN') {
        $copy = "Env:STSENV_SAVED_$var"
        if (($saved -ccontains $var) -and (Test-Path $copy)) { Set-Item "Env:$var" (Get-Item $copy).Value }
        Remove-Item -ErrorAction SilentlyContinue $copy
    }
    Remove-Item -ErrorAction SilentlyContinue Env:STSENV_SAVED
}

function global:__stsenv_hook {
    $at = [long]0
    if (-not [long]::TryParse([string]$env:STSENV_EXPIRES_AT, [ref]$at)) {
        Remove-Item -ErrorAction SilentlyContinue Env:STSENV_PROMPT
        return
    }
    $warn = [long]0
    if (-not [long]::TryParse([string]$env:STSENV_WARN_MINUTES, [ref]$warn)) { $warn = 5 }
    $left = $at - [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if (($left -gt 0) -and (($left -gt $warn * 60) -or ($global:__stsenv_warned -eq $env:STSENV_EXPIRES_AT))) {
        __stsenv_set_prompt $left
        return
    }
    $global:__stsenv_warned = $env:STSENV_EXPIRES_AT
    $profileName = [string]$env:STSENV_PROFILE
    if (($env:STSENV_AUTO_RENEW -eq '1') -and $profileName) {
        if (__stsenv_eval renew --no-prompt 2>$null) {
            [Console]::Error.WriteLine("stsenv: renewed $profileName")
            __stsenv_set_prompt ([long]$env:STSENV_EXPIRES_AT - [DateTimeOffset]::UtcNow.ToUnixTimeSeconds())
            return
        }
    }
    if ($left -gt 0) {
        __stsenv_set_prompt $left
        [Console]::Error.WriteLine("stsenv: $profileName expires in $([math]::Floor($left / 60)) min; renew: stsenv renew")
        return
    }
    $global:__stsenv_request = $env:STSENV_REQUEST
    __stsenv_expire
    [Console]::Error.WriteLine("stsenv: credentials for $profileName expired and were removed; renew: stsenv renew")
}

# Once only: wrap the current prompt.
if (-not (Test-Path Function:\__stsenv_user_prompt)) {
    Copy-Item Function:\prompt Function:\global:__stsenv_user_prompt
    function global:prompt { __stsenv_hook; __stsenv_user_prompt }
}
