# Parses each script with PowerShell's own parser and lists what Windows PowerShell 5.1 would not run:
# syntax added in PowerShell 7 (??, ??=, ?., ?[], ternary, && and || pipeline chains) and parameters 5.1's
# cmdlets lack (ConvertFrom-Json -AsHashtable/-Depth/-NoEnumerate, ConvertTo-Json -EnumsAsStrings/-AsArray,
# -EscapeHandling). Input: a JSON file {name: text}; output: one JSON object {name: [problems]}.
param([Parameter(Mandatory)][string]$ScriptsFile)
$scripts = Get-Content -LiteralPath $ScriptsFile -Raw | ConvertFrom-Json -AsHashtable
$forbiddenParameters = @{
  'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'ConvertTo-Json'   = @('EnumsAsStrings', 'AsArray', 'EscapeHandling')
}
$report = [ordered]@{}
foreach ($name in $scripts.Keys) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput($scripts[$name], [ref]$tokens, [ref]$errors)
  $problems = [System.Collections.Generic.List[string]]::new()
  foreach ($e in $errors) { $problems.Add("parse error at line $($e.Extent.StartLineNumber): $($e.Message)") }
  $found = $ast.FindAll({ param($n) $true }, $true)
  foreach ($n in $found) {
    $line = $n.Extent.StartLineNumber
    switch ($n.GetType().Name) {
      'TernaryExpressionAst' { $problems.Add("line ${line}: ternary ?: (PowerShell 7)") }
      'PipelineChainAst' { $problems.Add("line ${line}: pipeline chain && / || (PowerShell 7)") }
      'BinaryExpressionAst' { if ($n.Operator -eq 'QuestionQuestion') { $problems.Add("line ${line}: ?? (PowerShell 7)") } }
      'AssignmentStatementAst' { if ($n.Operator -eq 'QuestionQuestionEquals') { $problems.Add("line ${line}: ??= (PowerShell 7)") } }
      'MemberExpressionAst' { if ($n.NullConditional) { $problems.Add("line ${line}: ?. (PowerShell 7)") } }
      'InvokeMemberExpressionAst' { if ($n.NullConditional) { $problems.Add("line ${line}: ?. (PowerShell 7)") } }
      'IndexExpressionAst' { if ($n.NullConditional) { $problems.Add("line ${line}: ?[] (PowerShell 7)") } }
      'CommandAst' {
        $command = $n.GetCommandName()
        if ($command -and $forbiddenParameters.ContainsKey($command)) {
          foreach ($p in @($n.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] })) {
            foreach ($bad in $forbiddenParameters[$command]) {
              # PowerShell accepts any unambiguous prefix of a parameter name.
              if ($p.ParameterName.Length -ge 2 -and $bad.StartsWith($p.ParameterName, 'OrdinalIgnoreCase')) {
                $problems.Add("line ${line}: $command -$($p.ParameterName) (not in Windows PowerShell 5.1)")
              }
            }
          }
        }
      }
    }
  }
  $report[$name] = @($problems)
}
ConvertTo-Json -InputObject $report -Depth 4 -Compress
