/**
 * Defender enumerations by MpClient.h (the WMI class pages get some values wrong). Values outside these
 * tables occur in real output: enumName from psjson keeps them as "unknown (N)".
 */

export const DETECTION_SOURCE: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'User',
  2: 'System',
  3: 'Real-time protection',
  4: 'Downloads and attachments (IOAV)',
  5: 'Network inspection (NRI)',
  7: 'Early launch (ELAM)',
  8: 'Local attestation',
  9: 'Remote attestation',
};

export const EXECUTION_STATUS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Blocked',
  2: 'Allowed',
  3: 'Executing',
  4: 'Not executing',
};

/** MPTHREAT_ACTION */
export const CLEANING_ACTION: Readonly<Record<number, string>> = {
  1: 'Clean',
  2: 'Quarantine',
  3: 'Remove',
  6: 'Allow',
  8: 'User defined',
  9: 'No action',
  10: 'Block',
};

/** MPTHREAT_STATUS */
export const THREAT_STATUS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Detected',
  2: 'Cleaned',
  3: 'Quarantined',
  4: 'Removed',
  5: 'Allowed',
  6: 'Blocked',
  102: 'Clean failed',
  103: 'Quarantine failed',
  104: 'Remove failed',
  105: 'Allow failed',
  106: 'Abandoned',
  107: 'Block failed',
};

export const SEVERITY: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Low',
  2: 'Moderate',
  4: 'High',
  5: 'Severe',
};

/** MPTHREAT_CATEGORY */
export const CATEGORY: Readonly<Record<number, string>> = {
  1: 'Adware',
  2: 'Spyware',
  3: 'Password stealer',
  4: 'Trojan downloader',
  5: 'Worm',
  6: 'Backdoor',
  7: 'Remote access trojan',
  8: 'Trojan',
  9: 'Email flooder',
  10: 'Keylogger',
  11: 'Dialer',
  12: 'Monitoring software',
  13: 'Browser modifier',
  14: 'Cookie',
  15: 'Browser plugin',
  16: 'AOL exploit',
  17: 'Nuker',
  18: 'Security disabler',
  19: 'Joke program',
  20: 'Hostile ActiveX control',
  21: 'Software bundler',
  22: 'Stealth notifier',
  23: 'Settings modifier',
  24: 'Toolbar',
  25: 'Remote control software',
  26: 'Trojan FTP',
  27: 'Potentially unwanted software',
  28: 'ICQ exploit',
  29: 'Trojan telnet',
  30: 'Exploit',
  31: 'File sharing program',
  32: 'Malware creation tool',
  33: 'Remote control software',
  34: 'Tool',
  36: 'Trojan denial of service',
  37: 'Trojan dropper',
  38: 'Trojan mass mailer',
  39: 'Trojan monitoring software',
  40: 'Trojan proxy server',
  42: 'Virus',
  43: 'Known',
  44: 'Unknown',
  45: 'SPP',
  46: 'Behavior',
  47: 'Vulnerability',
  48: 'Policy',
  49: 'Enterprise unwanted software',
  50: 'Ransomware',
  51: 'ASR rule',
};
