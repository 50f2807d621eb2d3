#!/usr/bin/env python3
"""Assembles the benchmark contracts of `make bench-evm` into contracts.json (run it after
editing; its output is checked in). A line is an opcode name, `PUSHn value`, `PUSH label`
(2 bytes), or `label:` (a JUMPDEST)."""
import json, os

OPS = {'STOP': 0x00, 'ADD': 0x01, 'MUL': 0x02, 'SUB': 0x03, 'LT': 0x10, 'ISZERO': 0x15,
       'KECCAK256': 0x20, 'CALLER': 0x33, 'CALLDATALOAD': 0x35, 'POP': 0x50, 'MLOAD': 0x51,
       'MSTORE': 0x52, 'SLOAD': 0x54, 'SSTORE': 0x55, 'JUMPI': 0x57, 'JUMPDEST': 0x5b,
       'LOG3': 0xa3, 'RETURN': 0xf3, 'REVERT': 0xfd}
for i in range(1, 17):
    OPS['DUP%d' % i] = 0x7f + i
    OPS['SWAP%d' % i] = 0x8f + i

def assemble(src):
    lines = [l.split(';')[0].strip() for l in src.strip().split('\n')]
    lines = [l for l in lines if l]
    for rnd in range(2):
        out, labels = bytearray(), {} if rnd == 0 else labels
        for l in lines:
            if l.endswith(':'):
                labels[l[:-1]] = len(out)
                out.append(0x5b)
                continue
            parts = l.split()
            if parts[0] == 'PUSH':  # a label, 2 bytes
                out += bytes([0x61]) + labels.get(parts[1], 0).to_bytes(2, 'big')
            elif parts[0].startswith('PUSH'):
                n = int(parts[0][4:])
                out += bytes([0x5f + n]) + int(parts[1], 0).to_bytes(n, 'big')
            else:
                out.append(OPS[parts[0]])
    return out.hex()

TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'
ERC20 = '''
PUSH1 0x04
CALLDATALOAD            ; to
PUSH1 0x24
CALLDATALOAD            ; amount, to
CALLER
PUSH1 0
MSTORE
PUSH1 0
PUSH1 0x20
MSTORE
PUSH1 0x40
PUSH1 0
KECCAK256               ; slot(from) = keccak(from ‖ 0), as Solidity lays out a mapping
DUP1
SLOAD                   ; bal, slot, amount, to
DUP3
DUP2
LT
PUSH fail
JUMPI
DUP3
SWAP1
SUB
SWAP1
SSTORE                  ; balance[from] -= amount
DUP2
PUSH1 0
MSTORE
PUSH1 0x40
PUSH1 0
KECCAK256               ; slot(to)
DUP1
SLOAD
DUP3
ADD
SWAP1
SSTORE                  ; balance[to] += amount
PUSH1 0
MSTORE                  ; mem[0] = amount
CALLER
PUSH32 %s
PUSH1 0x20
PUSH1 0
LOG3                    ; Transfer(from, to, amount)
PUSH1 1
PUSH1 0
MSTORE
PUSH1 0x20
PUSH1 0
RETURN
fail:
PUSH1 0
DUP1
REVERT
''' % TRANSFER_TOPIC

LOOP = '''
PUSH1 0                 ; acc
PUSH1 0x04
CALLDATALOAD            ; i = n, acc
loop:
DUP1
DUP1
MUL
DUP3
ADD                     ; acc + i*i, i, acc
SWAP2
POP
PUSH1 1
SWAP1
SUB                     ; i - 1, acc
DUP1
PUSH loop
JUMPI
POP
PUSH1 0
SSTORE                  ; storage[0] = acc
STOP
'''

HASH = '''
PUSH1 0x24
CALLDATALOAD
PUSH1 0
MSTORE                  ; mem[0] = seed
PUSH1 0x04
CALLDATALOAD            ; i = n
loop:
PUSH1 0x20
PUSH1 0
KECCAK256
PUSH1 0
MSTORE                  ; mem[0] = keccak(mem[0..32])
PUSH1 1
SWAP1
SUB
DUP1
PUSH loop
JUMPI
PUSH1 0
MLOAD
PUSH1 0
SSTORE
STOP
'''

out = {
    'erc20': {'code': assemble(ERC20), 'what': 'transfer(to, amount): balances in a Solidity-layout mapping, a Transfer log'},
    'loop': {'code': assemble(LOOP), 'what': 'sum of i*i for i = n..1 (calldata word 0: n), stored'},
    'hash': {'code': assemble(HASH), 'what': 'n chained Keccak-256 of a 32-byte word (words 0, 1: n, seed), stored'},
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'contracts.json'), 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
