"""Prints what python3-pefile (an independent PE reader) sees in each file, as JSON, for pe.test.ts to compare."""
import json
import sys

import pefile


def dump(path):
    pe = pefile.PE(path, fast_load=False)
    security = pe.OPTIONAL_HEADER.DATA_DIRECTORY[pefile.DIRECTORY_ENTRY['IMAGE_DIRECTORY_ENTRY_SECURITY']]
    version = {}
    for info in getattr(pe, 'FileInfo', []) or []:
        for entry in info:
            for table in getattr(entry, 'StringTable', []) or []:
                for key, value in table.entries.items():
                    version[key.decode('utf-8', 'replace')] = value.decode('utf-8', 'replace')
    resource_types = []
    if hasattr(pe, 'DIRECTORY_ENTRY_RESOURCE'):
        resource_types = [e.id if e.id is not None else str(e.name) for e in pe.DIRECTORY_ENTRY_RESOURCE.entries]
    return {
        'machine': pe.FILE_HEADER.Machine,
        'magic': pe.OPTIONAL_HEADER.Magic,
        'subsystem': pe.OPTIONAL_HEADER.Subsystem,
        'sections': [
            {
                'name': s.Name.rstrip(b'\0').decode('latin-1'),
                'virtualSize': s.Misc_VirtualSize,
                'rawSize': s.SizeOfRawData,
                'characteristics': s.Characteristics,
            }
            for s in pe.sections
        ],
        'hasRelocations': hasattr(pe, 'DIRECTORY_ENTRY_BASERELOC'),
        'resourceTypes': resource_types,
        'version': version,
        'security': {'offset': security.VirtualAddress, 'size': security.Size},
        'imports': [i.dll.decode('latin-1') for i in getattr(pe, 'DIRECTORY_ENTRY_IMPORT', [])],
        'tls': hasattr(pe, 'DIRECTORY_ENTRY_TLS'),
    }


print(json.dumps({path: dump(path) for path in sys.argv[1:]}))
