"""Prints what python3-pefile reads from stamped files: version strings, VS_FIXEDFILEINFO, resource types, manifest."""
import json
import sys

import pefile


def dump(path):
    pe = pefile.PE(path, fast_load=False)
    strings = {}
    for info in getattr(pe, 'FileInfo', []) or []:
        for entry in info:
            for table in getattr(entry, 'StringTable', []) or []:
                for key, value in table.entries.items():
                    strings[key.decode('utf-8')] = value.decode('utf-8')
    fixed = pe.VS_FIXEDFILEINFO[0] if getattr(pe, 'VS_FIXEDFILEINFO', None) else None
    version = lambda ms, ls: '%d.%d.%d.%d' % (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)
    types = []
    manifest = None
    for entry in getattr(pe, 'DIRECTORY_ENTRY_RESOURCE', None).entries if hasattr(pe, 'DIRECTORY_ENTRY_RESOURCE') else []:
        types.append(entry.id)
        if entry.id == 24:
            leaf = entry.directory.entries[0].directory.entries[0].data.struct
            manifest = pe.get_data(leaf.OffsetToData, leaf.Size).decode('utf-8')
    return {
        'strings': strings,
        'fileVersion': version(fixed.FileVersionMS, fixed.FileVersionLS) if fixed else None,
        'productVersion': version(fixed.ProductVersionMS, fixed.ProductVersionLS) if fixed else None,
        'signature': hex(fixed.Signature) if fixed else None,
        'resourceTypes': types,
        'manifest': manifest,
        'sections': [s.Name.rstrip(b'\0').decode('latin-1') for s in pe.sections],
        'warnings': pe.get_warnings(),
        'numberOfSymbols': pe.FILE_HEADER.NumberOfSymbols,
        'pointerToSymbolTable': pe.FILE_HEADER.PointerToSymbolTable,
    }


print(json.dumps({path: dump(path) for path in sys.argv[1:]}))
