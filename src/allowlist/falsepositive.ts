/**
 * What a Microsoft false-positive submission needs (learn.microsoft.com, "Submit files for analysis";
 * the form at https://www.microsoft.com/en-us/wdsi/filesubmission): the file or its hashes, who signed
 * it, and the detection name. Plain data; the report renders it.
 */

export const MICROSOFT_SUBMISSION_URL = 'https://www.microsoft.com/en-us/wdsi/filesubmission';

export interface SubmissionFile {
  name: string;
  sha256: string;
  /** Signer subject, or undefined for an unsigned file. */
  signer?: string;
  fileVersion?: string;
}

export interface SubmissionChecklist {
  url: string;
  files: SubmissionFile[];
  steps: string[];
}

export function falsePositiveChecklist(files: readonly SubmissionFile[]): SubmissionChecklist {
  const unsigned = files.filter((f) => !f.signer).length;
  return {
    url: MICROSOFT_SUBMISSION_URL,
    files: [...files],
    steps: [
      `Open ${MICROSOFT_SUBMISSION_URL} and choose "Software developer" (sign in with a Microsoft account so you can follow the submission).`,
      'Select "Microsoft Defender Antivirus" as the product and "Incorrectly detected as malware/malicious" as the reason.',
      'Upload the exact binary (or a zip of it) and give the detection name Defender reported (for example Trojan:Win32/Wacatac.B!ml) and the SHA-256 below.',
      ...(unsigned > 0
        ? [
            `${unsigned} file(s) are unsigned: sign them first; signed files with a timestamp are judged by their publisher and are flagged far less often.`,
          ]
        : [
            'Name the publisher (the signer below) in the comments, so the analyst can match other releases.',
          ]),
      'After Microsoft clears the file, users update their definitions (Update-MpSignature, or `MpCmdRun.exe -SignatureUpdate`) before it stops being flagged.',
    ],
  };
}
