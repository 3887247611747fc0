// Intentionally empty: CLinux only re-exports system headers.
