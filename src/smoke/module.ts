import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The tiny module every smoke variant builds: it prints a known line and, when asked through an
 * environment variable, writes the same line to a marker file (a -H=windowsgui program has no console,
 * so the file is its only proof that it ran).
 */

export const EXPECTED_OUTPUT = 'go-av-guard smoke ok';
export const EXPECTED_TEST_OUTPUT = 'go-av-guard smoke test ok';
export const MARKER_ENV = 'GO_AV_GUARD_SMOKE_MARKER';

const GO_MOD = 'module example.com/go-av-guard-smoke\n\ngo 1.16\n';

const MAIN_GO = `package main

import (
	"fmt"
	"os"
)

func main() {
	if marker := os.Getenv("${MARKER_ENV}"); marker != "" {
		if err := os.WriteFile(marker, []byte("${EXPECTED_OUTPUT}\\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	fmt.Println("${EXPECTED_OUTPUT}")
}
`;

const TEST_GO = `package main

import "testing"

func TestSmoke(t *testing.T) {
	t.Log("${EXPECTED_TEST_OUTPUT}")
}
`;

export async function writeSmokeModule(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'go.mod'), GO_MOD);
  await writeFile(path.join(dir, 'main.go'), MAIN_GO);
  await writeFile(path.join(dir, 'main_test.go'), TEST_GO);
}
