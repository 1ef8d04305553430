namespace HealthKit.Disk;

/// <summary>A path with every symbolic link resolved, and whether it exists.</summary>
internal readonly record struct ResolvedPath(string RealPath, bool Exists);

/// <summary>
/// Resolves a path the way the operating system does when a file is opened under it: every symbolic link on the way is
/// followed, including links in parent directories and links whose targets are links.
/// </summary>
internal static class RealPath
{
    /// <summary>Linux gives up after 40 links (MAXSYMLINKS); a longer chain is a loop for every practical purpose.</summary>
    internal const int MaxLinks = 40;

    private static readonly char[] Separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    /// <summary>
    /// Resolves <paramref name="path"/>, relative to <paramref name="baseDirectory"/> when it is not absolute. A path that
    /// does not exist yet resolves through its nearest existing ancestor, with the missing part appended as written.
    /// </summary>
    /// <exception cref="IOException">The path runs through more than <see cref="MaxLinks"/> links, or cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A directory on the way cannot be searched.</exception>
    internal static ResolvedPath Resolve(string path, string baseDirectory)
    {
        // Windows itself removes ".." from a path before the file system sees it, so there ".." is lexical; on Unix the
        // kernel takes ".." from the directory a link led to, so it must wait until the links before it are resolved.
        var full = OperatingSystem.IsWindows() ? Path.GetFullPath(path, baseDirectory) : Path.Combine(baseDirectory, path);
        var resolved = Path.GetPathRoot(full) ?? string.Empty;
        var pending = new Stack<string>();
        PushParts(pending, full, resolved.Length);

        var missing = false;
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? resolved;
                continue;
            }

            var next = Path.Join(resolved, part);
            if (!missing)
            {
                if (new FileInfo(next).LinkTarget is { } target)
                {
                    if (++links > MaxLinks)
                    {
                        throw new IOException($"too many levels of symbolic links (more than {MaxLinks})");
                    }

                    // A relative target is relative to the directory that holds the link, which is what is resolved so far.
                    var targetRoot = Path.GetPathRoot(target) ?? string.Empty;
                    if (targetRoot.Length > 0)
                    {
                        resolved = targetRoot;
                    }

                    PushParts(pending, target, targetRoot.Length);
                    continue;
                }

                missing = !Path.Exists(next);
            }

            resolved = next;
        }

        return new ResolvedPath(resolved, !missing);
    }

    private static void PushParts(Stack<string> pending, string path, int start)
    {
        var parts = path[start..].Split(Separators);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
