#!/usr/bin/env python3
"""An independent RFC 9162 (section 2.1) verifier, written from the RFC text in Python's standard
library only, used to check TrialVault's `ledger inclusion`, `ledger consistency` and `ledger event`
output. Usage: rfc9162_verify.py inclusion|consistency|leaf < JSON; exit 0 when the proof holds."""
import base64
import hashlib
import json
import sys


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list, root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, proof: list, root1: bytes, root2: bytes) -> bool:
    if size1 < 1 or size2 < size1:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 & (size1 - 1) == 0:
        proof = [root1] + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


def main() -> int:
    kind = sys.argv[1]
    data = json.load(sys.stdin)
    b = base64.b64decode
    if kind == "inclusion":
        ok = verify_inclusion(data["leafIdx"], data["treeSize"], b(data["leafHash"]), [b(p) for p in data["proof"]], b(data["root"]))
    elif kind == "consistency":
        ok = verify_consistency(data["size1"], data["size2"], [b(p) for p in data["proof"]], b(data["root1"]), b(data["root2"]))
    elif kind == "leaf":
        ok = hashlib.sha256(b"\x00" + b(data["leaf"])).digest() == b(data["leafHash"])
    else:
        return 2
    print("valid" if ok else "invalid")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
