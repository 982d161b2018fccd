/**
 * PowerShell functions shared by the Defender scripts. Constants only: scripts are built by joining these
 * with other constants, never with data, so every script stays a fixed text that tests can compare.
 */

/** A caught error as {Message, HResult}; Defender cmdlets put the useful HRESULT in the message. */
export const PS_ERROR_INFO = String.raw`
function Get-ErrorInfo($err) {
  $hr = $err.Exception.HResult
  @{ Message = $err.Exception.Message; HResult = ('0x{0:x8}' -f $hr) }
}`;

/**
 * MpCmdRun.exe of the newest Defender platform (ProgramData\...\Platform\<version>-N), else the inbox one
 * under Program Files; $null when neither exists. Test-MpExclusion asks it whether a path is excluded,
 * which still answers when HideExclusionsFromLocalAdmins hides the lists.
 */
export const PS_MPCMDRUN = String.raw`
function Find-MpCmdRun {
  $candidates = @()
  $platform = Join-Path $env:ProgramData 'Microsoft\Windows Defender\Platform'
  if (Test-Path -LiteralPath $platform) {
    $candidates += @(Get-ChildItem -LiteralPath $platform -Directory -ErrorAction SilentlyContinue |
      Where-Object { ($_.Name -replace '-.*$', '') -as [version] } |
      Sort-Object { [version]($_.Name -replace '-.*$', '') } -Descending |
      ForEach-Object { Join-Path $_.FullName 'MpCmdRun.exe' })
  }
  $candidates += Join-Path $env:ProgramFiles 'Windows Defender\MpCmdRun.exe'
  $candidates | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
}
function Invoke-MpCmdRun($mp, [string[]]$arguments) {
  # Native stderr must not turn into a terminating error under ErrorActionPreference Stop (PowerShell 5.1).
  $ErrorActionPreference = 'Continue'
  $text = (& $mp @arguments 2>&1 | ForEach-Object { "$_" }) -join [string][char]10
  [ordered]@{ ExitCode = $LASTEXITCODE; Output = $text }
}
function Test-MpExclusion($mp, [string]$path) {
  if (-not $mp) { return $null }
  Invoke-MpCmdRun $mp @('-CheckExclusion', '-path', $path)
}`;

/** Reads the exclusion lists back into $out after a change (needs Get-ErrorInfo and an $out to fill). */
export const PS_READ_EXCLUSIONS = String.raw`
try {
  $pref = Get-MpPreference
  $out.ExclusionPath = @($pref.ExclusionPath | Where-Object { $_ })
  $out.ExclusionProcess = @($pref.ExclusionProcess | Where-Object { $_ })
} catch { $out.PreferenceError = Get-ErrorInfo $_ }
`;

/**
 * The machine-wide record of which live go-av-guard job needs which exclusion: exclusions are
 * machine-wide, a job's own state is not, so two jobs on one self-hosted machine would otherwise remove
 * each other's. It lives in %ProgramData%\go-av-guard (Administrators and SYSTEM only), guarded by a lock
 * file created with New-Item (fails while it exists; Constrained Language Mode safe). Each owner is a job
 * id and its runner's process id and start time; an owner whose process is gone is reaped, and an
 * exclusion no live owner needs any more is removed.
 */
export const PS_OWNER_RECORD = String.raw`
function Open-OwnerRecord {
  $dir = Join-Path $env:ProgramData 'go-av-guard'
  if (-not (Test-Path -LiteralPath $dir)) {
    $null = New-Item -ItemType Directory -Path $dir -Force
    $null = & (Join-Path $env:SystemRoot 'System32\icacls.exe') $dir '/inheritance:r' '/grant:r' '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F'
  }
  $lock = Join-Path $dir 'exclusions.lock'
  $deadline = (Get-Date).AddSeconds(60)
  while ($true) {
    try { $null = New-Item -ItemType File -Path $lock -ErrorAction Stop; break } catch {
      $held = Get-Item -LiteralPath $lock -ErrorAction SilentlyContinue
      # A lock left behind by a PowerShell that was killed holds for two minutes at most.
      if ($held -and $held.LastWriteTimeUtc -lt (Get-Date).ToUniversalTime().AddMinutes(-2)) {
        Remove-Item -LiteralPath $lock -Force -ErrorAction SilentlyContinue
        continue
      }
      if ((Get-Date) -gt $deadline) { throw "the machine-wide exclusion record stayed locked for a minute ($lock)" }
      Start-Sleep -Milliseconds 200
    }
  }
  $file = Join-Path $dir 'exclusions.json'
  $entries = @()
  if (Test-Path -LiteralPath $file) {
    $saved = Get-Content -LiteralPath $file -Raw -Encoding UTF8 | ConvertFrom-Json
    $entries = @($saved.Entries | Where-Object { $_ -and $_.Kind -and $_.Value } | ForEach-Object {
      [ordered]@{ Kind = [string]$_.Kind; Value = [string]$_.Value; Owners = @($_.Owners | Where-Object { $_ }) } })
  }
  [ordered]@{ File = $file; Lock = $lock; Entries = $entries; Reaped = @() }
}
function Close-OwnerRecord($record) {
  try {
    $keep = @($record.Entries | Where-Object { @($_.Owners).Count -gt 0 })
    ConvertTo-Json -InputObject ([ordered]@{ Entries = $keep }) -Depth 6 | Set-Content -LiteralPath $record.File -Encoding UTF8
  } finally { Remove-Item -LiteralPath $record.Lock -Force -ErrorAction SilentlyContinue }
}
function Get-ProcessStart([int]$id) {
  $p = Get-Process -Id $id -ErrorAction SilentlyContinue
  if (-not $p) { return $null }
  try { [string]$p.StartTime.ToUniversalTime().Ticks } catch { 'unknown' }
}
function Test-OwnerAlive($owner) {
  $started = Get-ProcessStart ([int]$owner.Pid)
  if ($null -eq $started) { return $false }
  # A start time we may not read counts as alive; a reused process id has another start time (within two
  # seconds: some systems derive it from the boot time, which each reader computes a little differently).
  if ($started -eq 'unknown' -or [string]$owner.Started -eq 'unknown') { return $true }
  $drift = [long]$started - [long]$owner.Started
  $drift -lt 20000000 -and $drift -gt -20000000
}
function Find-OwnedEntry($record, [string]$kind, [string]$value) {
  @($record.Entries | Where-Object { $_.Kind -eq $kind -and $_.Value -eq $value }) | Select-Object -First 1
}
function Remove-Exclusion([string]$kind, [string]$value) {
  if ($kind -eq 'path') { Remove-MpPreference -ExclusionPath $value -Force }
  else { Remove-MpPreference -ExclusionProcess $value -Force }
}
# Owners whose runner process is gone are dropped; an exclusion left with none is removed from Defender.
function Invoke-OwnerReap($record) {
  foreach ($entry in @($record.Entries)) {
    $entry.Owners = @($entry.Owners | Where-Object { Test-OwnerAlive $_ })
    if (@($entry.Owners).Count -gt 0) { continue }
    $reaped = [ordered]@{ Kind = $entry.Kind; Value = $entry.Value }
    try { Remove-Exclusion $entry.Kind $entry.Value } catch { $reaped.Error = Get-ErrorInfo $_ }
    $record.Reaped += $reaped
  }
}
function New-Owner($owner) {
  [ordered]@{ Job = [string]$owner.Job; Pid = [int]$owner.Pid; Started = $(if ($s = Get-ProcessStart ([int]$owner.Pid)) { $s } else { 'unknown' }) }
}`;
