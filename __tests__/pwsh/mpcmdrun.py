#!/usr/bin/env python3
"""Stand-in for MpCmdRun.exe (and whoami.exe, icacls.exe): answers from the stand-in state JSON.

Output shapes are the recorded ones in __tests__/fixtures/defender (mpcmdrun-*.txt), argument handling follows
https://learn.microsoft.com/en-us/defender-endpoint/command-line-arguments-microsoft-defender-antivirus
(-CheckExclusion -path <path>; -Scan -ScanType 3 -File <path> -DisableRemediation; exit 2 when threats are found).
The state path is the first line of the file named by argv[0] + '.state'.
"""
import json
import os
import sys

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def state_path():
    with open(sys.argv[0] + ".state", encoding="utf-8") as f:
        return f.read().strip()


def load():
    with open(state_path(), encoding="utf-8-sig") as f:
        return json.load(f)


def record(state, name, args):
    state.setdefault("calls", []).append({"name": name, "parameters": {"args": args}})
    with open(state_path(), "w", encoding="utf-8") as f:
        json.dump(state, f)


def norm(p):
    return p.replace("/", "\\").rstrip("\\").lower()


def covered(path, exclusions):
    p = norm(path)
    return any(p == norm(e) or p.startswith(norm(e) + "\\") for e in exclusions if e)


def mpcmdrun(args):
    state = load()
    record(state, "MpCmdRun", args)
    lower = [a.lower() for a in args]
    if "-checkexclusion" in lower:
        path = args[lower.index("-path") + 1]
        if state.get("mpcmdrunBroken"):
            print("CmdTool: Failed with hr = 0x80070005")
            return 2
        excluded = covered(path, state["preference"].get("ExclusionPath") or [])
        print(f'Path "{path}" is {"excluded" if excluded else "not excluded"}')
        return 0
    if "-scan" in lower:
        path = args[lower.index("-file") + 1]
        print("Scan starting...\nScan finished.")
        with open(path, "rb") as f:
            infected = EICAR in f.read()
        if not infected:
            print(f"Scanning {path} found no threats.")
            return 0
        print(f"Scanning {path} found 1 threats.\n")
        print("<===========================LIST OF DETECTED THREATS==========================>")
        print("----------------------------- Threat information ------------------------------")
        print("Threat                  : Virus:DOS/EICAR_Test_File")
        print("Resources               : 1 total")
        print(f"    file                : {path}")
        print("-------------------------------------------------------------------------------")
        return 2
    print("CmdTool: Failed with hr = 0x80070057")
    return 2


def whoami(args):
    state = load()
    level = "S-1-16-12288" if state.get("elevated") else "S-1-16-8192"
    print('"Everyone","Well-known group","S-1-1-0","Mandatory group, Enabled by default, Enabled group"')
    print(f'"Mandatory Label\\Some Mandatory Level","Label","{level}",""')
    return 0


def icacls(args):
    state = load()
    record(state, "icacls", args)
    return 0


if __name__ == "__main__":
    name = os.path.basename(sys.argv[0]).lower()
    handler = {"whoami.exe": whoami, "icacls.exe": icacls}.get(name, mpcmdrun)
    sys.exit(handler(sys.argv[1:]))
