# rolecall's shell plugin for PowerShell. Load it from $PROFILE with:
#
#     Invoke-Expression (& rolecall init powershell | Out-String)
#
# `rolecall use PROFILE` sets the profile's credentials in this session, `rolecall unuse` clears
# them, and everything else goes to the binary. Cmdlets are called by their module-qualified
# names, which no alias or function of yours can take over.

$global:__rolecall_bin = {{bin}}

# Capture first, evaluate only on success: a failure leaves the session as it was, with the
# binary's status in $LASTEXITCODE.
function global:__rolecall_use {
    $out = & $global:__rolecall_bin env --plugin --format powershell @args
    if ($LASTEXITCODE -ne 0) { return }
    Microsoft.PowerShell.Utility\Invoke-Expression ($out -join "`n")
}

# The variables `use` sets or clears (rolecall's one list of them).
function global:__rolecall_unuse {
    foreach ($name in @({{names}})) {
        Microsoft.PowerShell.Management\Remove-Item -Path "Env:$name" -ErrorAction SilentlyContinue
    }
}

function global:rolecall {
    switch ($args[0]) {
        'use' { __rolecall_use @($args | Microsoft.PowerShell.Utility\Select-Object -Skip 1) }
        'unuse' { __rolecall_unuse }
        default { & $global:__rolecall_bin @args }
    }
}
#{{if cmd}}

Microsoft.PowerShell.Utility\Set-Alias -Name {{cmd}} -Value rolecall -Option AllScope -Scope Global -Force
#{{end}}
#{{if refresh}}

# Auto-refresh. Before each prompt PowerShell compares `AWS_CREDENTIAL_EXPIRATION` with the
# clock; only when the credentials are within the serve margin ({{margin}} s) of expiry does it
# start rolecall, which answers from the cache when another process has refreshed already. After
# a try it waits a minute before the next, and a failure is reported once per expiry.
function global:__rolecall_hook {
    $profileName = $env:ROLECALL_PROFILE
    $expiry = $env:AWS_CREDENTIAL_EXPIRATION
    if (-not $profileName -or -not $expiry) { return }
    if ($expiry -ne $global:__rolecall_seen) {
        $global:__rolecall_seen = $expiry
        $global:__rolecall_next = 0
        $global:__rolecall_warned = $false
        $global:__rolecall_due = $null
        $parsed = [DateTimeOffset]::MinValue
        if ([DateTimeOffset]::TryParse($expiry, [Globalization.CultureInfo]::InvariantCulture,
                [Globalization.DateTimeStyles]::AssumeUniversal, [ref]$parsed)) {
            $global:__rolecall_due = $parsed.ToUnixTimeSeconds() - {{margin}}
        }
    }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if ($null -eq $global:__rolecall_due -or $now -lt $global:__rolecall_due -or $now -lt $global:__rolecall_next) {
        return
    }
    $global:__rolecall_next = $now + 60
    if ($global:__rolecall_warned) {
        __rolecall_use $profileName 2>$null
    } else {
        __rolecall_use $profileName
        if ($LASTEXITCODE -ne 0) {
            $global:__rolecall_warned = $true
            [Console]::Error.WriteLine("rolecall: could not refresh ``$profileName`` (expires $expiry); it will try again quietly, or run ``rolecall use $profileName``")
        }
    }
}

# Added once, however often this is loaded: the prompt keeps its own output and status.
if (-not $global:__rolecall_prompt) {
    $global:__rolecall_prompt = $function:prompt
    function global:prompt {
        $status = $global:LASTEXITCODE
        __rolecall_hook
        $global:LASTEXITCODE = $status
        & $global:__rolecall_prompt
    }
}
#{{end}}
