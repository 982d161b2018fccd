# Stand-ins for the Windows commands go-av-guard's scripts call, for PowerShell 7 on a machine without
# Defender. Each declares the parameter sets of Microsoft's cmdlet reference (README.md links them), so a
# misspelt parameter fails here as it would on Windows, and keeps its state in a JSON file, so what
# Add-MpPreference adds, Get-MpPreference reads back. They are loaded in FullLanguage before the harness
# switches the session to ConstrainedLanguage; the scripts under test run constrained.

function Read-StandInState {
  Get-Content -LiteralPath $global:GoAvGuardStandInState -Raw | ConvertFrom-Json -AsHashtable
}
function Write-StandInState($state) {
  $state | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $global:GoAvGuardStandInState
}
function Add-StandInCall([string]$name, $bound) {
  $state = Read-StandInState
  $state.calls += @(@{ name = $name; parameters = @{} + $bound })
  Write-StandInState $state
  $state
}
# A failure the test asked for: an error record like the CIM cmdlets write (non-terminating, so only the
# scripts' $ErrorActionPreference = 'Stop' turns it into something a catch sees), message with the HRESULT.
function Get-StandInFailure($state, [string]$name) {
  $f = $state.failures[$name]
  if (-not $f) { return $null }
  $ex = [System.Runtime.InteropServices.COMException]::new($f.message, [int]$f.hresult)
  [System.Management.Automation.ErrorRecord]::new($ex, "HRESULT $('0x{0:x8}' -f [int]$f.hresult),$name", 'NotSpecified', $null)
}
function ConvertTo-CimDate($value) {
  if ($null -eq $value) { return $null }
  # CIM datetimes arrive as local times; the scripts must convert them to UTC themselves.
  [datetime]::Parse([string]$value, [cultureinfo]::InvariantCulture, 'AdjustToUniversal').ToLocalTime()
}

# https://learn.microsoft.com/en-us/powershell/module/defender/get-mpcomputerstatus
function Get-MpComputerStatus {
  [CmdletBinding()]
  param([Microsoft.Management.Infrastructure.CimSession[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob)
  $state = Add-StandInCall 'Get-MpComputerStatus' $PSBoundParameters
  $e = Get-StandInFailure $state 'Get-MpComputerStatus'; if ($e) { $PSCmdlet.WriteError($e); return }
  $s = $state.status
  [pscustomobject]@{
    AMServiceEnabled = [bool]$s.AMServiceEnabled; AntivirusEnabled = [bool]$s.AntivirusEnabled
    RealTimeProtectionEnabled = [bool]$s.RealTimeProtectionEnabled; BehaviorMonitorEnabled = [bool]$s.BehaviorMonitorEnabled
    IoavProtectionEnabled = [bool]$s.IoavProtectionEnabled; IsTamperProtected = [bool]$s.IsTamperProtected
    AMRunningMode = [string]$s.AMRunningMode; AMProductVersion = [string]$s.AMProductVersion
    AMEngineVersion = [string]$s.AMEngineVersion; AntivirusSignatureVersion = [string]$s.AntivirusSignatureVersion
    AntivirusSignatureLastUpdated = ConvertTo-CimDate $s.AntivirusSignatureLastUpdated
    ComputerState = 0; PSComputerName = $null
  }
}

# https://learn.microsoft.com/en-us/powershell/module/defender/get-mppreference
function Get-MpPreference {
  [CmdletBinding()]
  param([Microsoft.Management.Infrastructure.CimSession[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob)
  $state = Add-StandInCall 'Get-MpPreference' $PSBoundParameters
  $e = Get-StandInFailure $state 'Get-MpPreference'; if ($e) { $PSCmdlet.WriteError($e); return }
  $p = $state.preference
  # HideExclusionsFromLocalAdmins: the lists read as this one marker (an array of one string).
  $list = { param($v) if ($p.HideExclusionsFromLocalAdmins) { ,@('N/A: Must be an administrator to view exclusions') } elseif (@($v).Count -eq 0) { $null } else { [string[]]@($v) } }
  [pscustomobject]@{
    ExclusionPath = & $list $p.ExclusionPath; ExclusionProcess = & $list $p.ExclusionProcess
    ExclusionExtension = & $list $p.ExclusionExtension
    HideExclusionsFromLocalAdmins = [bool]$p.HideExclusionsFromLocalAdmins
    DisableRealtimeMonitoring = [bool]$p.DisableRealtimeMonitoring; MAPSReporting = [byte]$p.MAPSReporting
  }
}

function Update-StandInPreference([string]$verb, $bound) {
  $state = Add-StandInCall "$verb-MpPreference" $bound
  $e = Get-StandInFailure $state "$verb-MpPreference"; if ($e) { return $e }
  # Tamper protection: the call succeeds and nothing changes.
  if ($state.tamper) { return }
  foreach ($name in 'ExclusionPath', 'ExclusionProcess', 'ExclusionExtension') {
    if (-not $bound.ContainsKey($name)) { continue }
    $current = [System.Collections.Generic.List[string]]::new([string[]]@($state.preference[$name] | Where-Object { $_ }))
    foreach ($v in $bound[$name]) {
      $at = $current.FindIndex({ param($x) $x -ieq $v })
      if ($verb -eq 'Add' -and $at -lt 0) { $current.Add($v) }
      if ($verb -eq 'Remove' -and $at -ge 0) { $current.RemoveAt($at) }
    }
    $state.preference[$name] = @($current)
  }
  Write-StandInState $state
}

# https://learn.microsoft.com/en-us/powershell/module/defender/add-mppreference
function Add-MpPreference {
  [CmdletBinding(SupportsShouldProcess)]
  param(
    [string[]]$ExclusionPath, [string[]]$ExclusionExtension, [string[]]$ExclusionProcess,
    [string[]]$ExclusionIpAddress, [long[]]$ThreatIDDefaultAction_Ids, [object[]]$ThreatIDDefaultAction_Actions,
    [string[]]$AttackSurfaceReductionOnlyExclusions, [string[]]$ControlledFolderAccessAllowedApplications,
    [string[]]$ControlledFolderAccessProtectedFolders, [string[]]$AttackSurfaceReductionRules_Ids,
    [object[]]$AttackSurfaceReductionRules_Actions, [switch]$Force,
    [Microsoft.Management.Infrastructure.CimSession[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob)
  $e = Update-StandInPreference 'Add' $PSBoundParameters
  if ($e) { $PSCmdlet.WriteError($e) }
}

# https://learn.microsoft.com/en-us/powershell/module/defender/remove-mppreference
function Remove-MpPreference {
  [CmdletBinding(SupportsShouldProcess)]
  param(
    [string[]]$ExclusionPath, [string[]]$ExclusionExtension, [string[]]$ExclusionProcess,
    [string[]]$ExclusionIpAddress, [long[]]$ThreatIDDefaultAction_Ids,
    [string[]]$AttackSurfaceReductionOnlyExclusions, [string[]]$ControlledFolderAccessAllowedApplications,
    [string[]]$ControlledFolderAccessProtectedFolders, [string[]]$AttackSurfaceReductionRules_Ids,
    [switch]$UnknownThreatDefaultAction, [switch]$LowThreatDefaultAction, [switch]$ModerateThreatDefaultAction,
    [switch]$HighThreatDefaultAction, [switch]$SevereThreatDefaultAction, [switch]$Force,
    [Microsoft.Management.Infrastructure.CimSession[]]$CimSession, [int]$ThrottleLimit, [switch]$AsJob)
  $e = Update-StandInPreference 'Remove' $PSBoundParameters
  if ($e) { $PSCmdlet.WriteError($e) }
}

# https://learn.microsoft.com/en-us/powershell/module/defender/get-mpthreatdetection
function Get-MpThreatDetection {
  [CmdletBinding(DefaultParameterSetName = 'DefaultSet')]
  param(
    [Parameter(ParameterSetName = 'ById')][Alias('ID')][long[]]$ThreatID,
    [Parameter(ParameterSetName = 'ById')][Microsoft.Management.Infrastructure.CimSession[]]$CimSession,
    [Parameter(ParameterSetName = 'ById')][int]$ThrottleLimit, [Parameter(ParameterSetName = 'ById')][switch]$AsJob)
  $state = Add-StandInCall 'Get-MpThreatDetection' $PSBoundParameters
  $e = Get-StandInFailure $state 'Get-MpThreatDetection'; if ($e) { $PSCmdlet.WriteError($e); return }
  foreach ($d in @($state.detections)) {
    if ($ThreatID -and $ThreatID -notcontains [long]$d.ThreatID) { continue }
    [pscustomobject]@{
      ActionSuccess = $true; AdditionalActionsBitMask = 0; AMProductVersion = '4.18.25110.6'
      CleaningActionID = [byte]$d.CleaningActionID; CurrentThreatExecutionStatusID = [byte]1
      DetectionID = [string]$d.DetectionID; DetectionSourceTypeID = [byte]$d.DetectionSourceTypeID
      DomainUser = [string]$d.DomainUser
      InitialDetectionTime = ConvertTo-CimDate $d.InitialDetectionTime
      LastThreatStatusChangeTime = ConvertTo-CimDate $d.LastThreatStatusChangeTime
      ProcessName = [string]$d.ProcessName; RemediationTime = ConvertTo-CimDate $d.LastThreatStatusChangeTime
      Resources = [string[]]@($d.Resources); ThreatID = [long]$d.ThreatID
      ThreatStatusErrorCode = 0; ThreatStatusID = [byte]$d.ThreatStatusID; PSComputerName = $null
    }
  }
}

# https://learn.microsoft.com/en-us/powershell/module/defender/get-mpthreat
function Get-MpThreat {
  [CmdletBinding(DefaultParameterSetName = 'DefaultSet')]
  param(
    [Parameter(ParameterSetName = 'ById')][Alias('ID')][long[]]$ThreatID,
    [Parameter(ParameterSetName = 'ById')][Microsoft.Management.Infrastructure.CimSession[]]$CimSession,
    [Parameter(ParameterSetName = 'ById')][int]$ThrottleLimit, [Parameter(ParameterSetName = 'ById')][switch]$AsJob)
  $state = Add-StandInCall 'Get-MpThreat' $PSBoundParameters
  $e = Get-StandInFailure $state 'Get-MpThreat'; if ($e) { $PSCmdlet.WriteError($e); return }
  foreach ($t in @($state.threats)) {
    if ($ThreatID -and $ThreatID -notcontains [long]$t.ThreatID) { continue }
    [pscustomobject]@{
      CategoryID = [byte]$t.CategoryID; DidThreatExecute = $false; IsActive = $false
      Resources = [string[]]@($t.Resources); RollupStatus = [byte]1; SchemaVersion = '1.0.0.0'
      SeverityID = [byte]$t.SeverityID; ThreatID = [long]$t.ThreatID; ThreatName = [string]$t.ThreatName
      TypeID = [byte]0; PSComputerName = $null
    }
  }
}

# https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.diagnostics/get-winevent
function Get-WinEvent {
  [CmdletBinding(DefaultParameterSetName = 'GetLogSet')]
  param(
    [Parameter(ParameterSetName = 'ListLogSet', Mandatory)][string[]]$ListLog,
    [Parameter(ParameterSetName = 'GetLogSet', Position = 0)][string[]]$LogName,
    [Parameter(ParameterSetName = 'ListProviderSet', Mandatory)][string[]]$ListProvider,
    [Parameter(ParameterSetName = 'GetProviderSet', Mandatory)][string[]]$ProviderName,
    [Parameter(ParameterSetName = 'FileSet', Mandatory)][Alias('PSPath')][string[]]$Path,
    [Parameter(ParameterSetName = 'GetLogSet')][Parameter(ParameterSetName = 'GetProviderSet')]
    [Parameter(ParameterSetName = 'FileSet')][Parameter(ParameterSetName = 'HashQuerySet')]
    [Parameter(ParameterSetName = 'XmlQuerySet')][long]$MaxEvents = -1,
    [Alias('Cn')][string]$ComputerName, [pscredential]$Credential,
    [Parameter(ParameterSetName = 'GetLogSet')][Parameter(ParameterSetName = 'GetProviderSet')]
    [Parameter(ParameterSetName = 'FileSet')][string]$FilterXPath,
    [Parameter(ParameterSetName = 'XmlQuerySet', Mandatory, Position = 0)][xml]$FilterXml,
    [Parameter(ParameterSetName = 'HashQuerySet', Mandatory, Position = 0)][hashtable[]]$FilterHashtable,
    [switch]$Force, [switch]$Oldest)
  $state = Add-StandInCall 'Get-WinEvent' $PSBoundParameters
  $e = Get-StandInFailure $state 'Get-WinEvent'; if ($e) { $PSCmdlet.WriteError($e); return }
  if ($PSCmdlet.ParameterSetName -ne 'HashQuerySet') { throw 'the stand-in answers -FilterHashtable only' }
  $filter = $FilterHashtable[0]
  if (-not $filter.ContainsKey('LogName') -or -not ($filter.StartTime -is [datetime])) { throw 'stand-in: LogName and a [datetime] StartTime expected' }
  # Get-WinEvent compares StartTime as UTC after ToUniversalTime(): a Local or Unspecified time is local.
  $start = $filter.StartTime.ToUniversalTime()
  $found = @(foreach ($ev in @($state.events)) {
    $time = [datetime]::Parse($ev.time, [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
    if ($filter.LogName -ne $ev.log) { continue }
    if ($filter.Id -and @($filter.Id) -notcontains [int]$ev.id) { continue }
    if ($time -lt $start) { continue }
    $o = [pscustomobject]@{ Id = [int]$ev.id; TimeCreated = $time.ToLocalTime(); LogName = $ev.log; Xml = [string]$ev.xml }
    $o | Add-Member -MemberType ScriptMethod -Name ToXml -Value { $this.Xml } -PassThru
  })
  if ($MaxEvents -gt 0) { $found = @($found | Select-Object -First $MaxEvents) }
  if ($found.Count -eq 0) {
    $ex = [System.Exception]::new('No events were found that match the specified selection criteria.')
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new($ex, 'NoMatchingEventsFound', 'ObjectNotFound', $null))
    return
  }
  $found
}
