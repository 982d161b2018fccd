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
  $text = (& $mp @arguments 2>&1 | ForEach-Object { "$_" }) -join [Environment]::NewLine
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
