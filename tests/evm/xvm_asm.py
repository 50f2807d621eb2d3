#!/usr/bin/env python3
"""Assembles the EVM side of tests/unit/test_xvm.c (the contract that calls WebAssembly and is
called by it; with the argument `proxy`, the forwarder that calls any address with any value and
calldata) and prints its runtime as hex; the output is pasted into the test. A line is an
opcode, `PUSHn value`, `PUSH label` (2 bytes) or `label:` (a JUMPDEST)."""

OPS = {'STOP': 0x00, 'ADD': 0x01, 'MUL': 0x02, 'SUB': 0x03, 'EQ': 0x14, 'ISZERO': 0x15, 'AND': 0x16,
       'SHL': 0x1b, 'SHR': 0x1c, 'ADDRESS': 0x30, 'CALLDATALOAD': 0x35, 'CALLDATASIZE': 0x36,
       'CALLDATACOPY': 0x37, 'POP': 0x50, 'MLOAD': 0x51, 'MSTORE': 0x52, 'SLOAD': 0x54,
       'SSTORE': 0x55, 'JUMP': 0x56, 'JUMPI': 0x57, 'GAS': 0x5a, 'PUSH0': 0x5f, 'CALL': 0xf1,
       'REVERT': 0xfd, 'RETURNDATASIZE': 0x3d, 'SELFBALANCE': 0x47}
for i in range(1, 17):
    OPS['DUP%d' % i] = 0x7f + i
    OPS['SWAP%d' % i] = 0x8f + i

SRC = """
PUSH0 CALLDATALOAD PUSH1 248 SHR
DUP1 PUSH1 1 EQ PUSH set JUMPI
DUP1 PUSH1 2 EQ PUSH setrev JUMPI
DUP1 PUSH1 3 EQ PUSH callw JUMPI
DUP1 PUSH1 4 EQ PUSH loop JUMPI
DUP1 PUSH1 5 EQ PUSH bounce JUMPI
PUSH0 PUSH0 REVERT
set:
PUSH1 1 CALLDATALOAD PUSH1 1 SSTORE STOP
setrev:
PUSH1 1 CALLDATALOAD PUSH1 1 SSTORE PUSH0 PUSH0 REVERT
loop:
PUSH loop JUMP
callw:
PUSH1 0xaa PUSH1 2 SSTORE
PUSH1 6 CALLDATASIZE SUB
DUP1 PUSH1 6 PUSH0 CALLDATACOPY
PUSH1 32 PUSH2 0x1000 DUP3 PUSH0 PUSH0 PUSH2 0xca11
PUSH1 2 CALLDATALOAD PUSH1 224 SHR DUP1 ISZERO GAS MUL ADD
CALL
DUP1 PUSH1 1 ADD PUSH1 3 SSTORE
PUSH2 0x1000 MLOAD PUSH1 4 SSTORE
PUSH1 1 CALLDATALOAD PUSH1 248 SHR
DUP1 PUSH1 2 EQ PUSH rev JUMPI
PUSH1 1 EQ SWAP1 ISZERO AND PUSH rev JUMPI
STOP
rev:
PUSH0 PUSH0 REVERT
bounce:
PUSH0 SLOAD PUSH1 1 ADD PUSH0 SSTORE
PUSH1 1 CALLDATALOAD PUSH0 MSTORE
PUSH7 0x06626f756e6365 PUSH1 200 SHL PUSH1 32 MSTORE
ADDRESS PUSH1 96 SHL PUSH1 39 MSTORE
PUSH0 PUSH0 PUSH1 59 PUSH0 PUSH0 PUSH2 0xca11 GAS CALL POP STOP
"""

# calldata: to (20) ‖ value (32) ‖ u8 flags ‖ data. CALLs `to` with the value, data and all the
# gas; slot 0 = success + 1, slot 1 = the first word of the return data, slot 2 = its length,
# slot 3 = SELFBALANCE after the call; flags 1: revert at the end.
PROXY = """
PUSH1 53 CALLDATASIZE SUB
DUP1 PUSH1 53 PUSH0 CALLDATACOPY
PUSH1 32 PUSH2 0x1000 DUP3 PUSH0
PUSH1 20 CALLDATALOAD
PUSH0 CALLDATALOAD PUSH1 96 SHR
GAS CALL
DUP1 PUSH1 1 ADD PUSH0 SSTORE
PUSH2 0x1000 MLOAD PUSH1 1 SSTORE
RETURNDATASIZE PUSH1 2 SSTORE
SELFBALANCE PUSH1 3 SSTORE
PUSH1 52 CALLDATALOAD PUSH1 248 SHR
PUSH rev JUMPI
STOP
rev:
PUSH0 PUSH0 REVERT
"""


def assemble(src):
    toks = src.split()
    labels = {}
    for rnd in range(2):
        out = bytearray()
        i = 0
        while i < len(toks):
            t = toks[i]
            i += 1
            if t.endswith(':'):
                labels[t[:-1]] = len(out)
                out.append(0x5b)
            elif t == 'PUSH':
                out += bytes([0x61]) + labels.get(toks[i], 0).to_bytes(2, 'big')
                i += 1
            elif t.startswith('PUSH') and t != 'PUSH0':
                n = int(t[4:])
                out += bytes([0x5f + n]) + int(toks[i], 0).to_bytes(n, 'big')
                i += 1
            else:
                out.append(OPS[t])
    return bytes(out)


if __name__ == '__main__':
    import sys
    print(assemble(PROXY if sys.argv[1:] == ['proxy'] else SRC).hex())
