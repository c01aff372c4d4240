using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tests;

/// <summary>Every path-taking tool refuses every way out of the workspace with E_PERMISSIONS, and nothing outside
/// changes. {OUT} is a real folder next to the workspace holding a sentinel file; {BASE} is their common parent.
/// The symlinks the escapes use are made by <see cref="Prepared"/>.</summary>
public class ConfinementTests
{
    public static readonly string[] Escapes =
    [
        // plain climbing
        "../outside/secret.txt",
        "../../etc/passwd",
        "sub/../../outside/secret.txt",
        "./../outside/secret.txt",
        "sub/../../../etc/passwd",
        "sub/./../.././outside/secret.txt",
        "./././../outside/secret.txt",
        "../outside/",                                  // trailing slash: the folder itself
        "..//outside//secret.txt",                      // doubled separators
        "sub\\..\\../../../outside/secret.txt",         // a backslash is a name character on Linux; the real '..'s still climb out

        // absolute paths
        "/etc/passwd",
        "//etc/passwd",
        "/../etc/passwd",
        "/proc/self/root/etc/passwd",                   // the file system root again, through procfs
        "/proc/self/root{OUT}/secret.txt",              // ... reaching the real sentinel
        "{OUT}/secret.txt",
        "{OUT}",
        "{OUT}/",
        "{BASE}//outside///./secret.txt",
        "{BASE}/ws-evil/x.txt",                         // a sibling whose name starts with the workspace's
        "{BASE}/ws/../outside/secret.txt",
        "{BASE}/ws/link-out/secret.txt",                // absolute and inside, but through a link out

        // home directories (tools expand nothing, and a leading '~' is refused rather than made a folder)
        "~/secret.txt",
        "~",
        "~root/.bashrc",
        "~+/secret.txt",

        // NUL truncation
        "a.txt\0/../../outside/secret.txt",

        // symlinks inside the workspace that lead out
        "link-out/secret.txt",                          // link to a folder outside
        "link-out",
        "link-out/",
        "link-out//secret.txt",
        "link-out/new.txt",                             // a file that does not exist yet, behind a link out
        "secret-link",                                  // link to a file outside (absolute target)
        "sub/secret-rel",                               // link to a file outside (relative target from a subfolder)
        "sub/link-up/secret.txt",                       // relative link climbing out from a subfolder
        "chain/secret.txt",                             // link to that link
        "hop1/secret.txt",                              // hop1 -> hop2 -> chain -> sub/link-up -> ../../outside
        "mid/hop/deep.txt",                             // a linked folder in the middle of a path
        "up/outside/secret.txt",                        // link to '..'
        "root-link{OUT}/secret.txt",                    // link to '/'
        "proc-root{OUT}/secret.txt",                    // link to /proc/self/root
        "dangling-out",                                 // dangling link to a file outside: writing must not create it
        "sibling-link/x.txt",                           // dangling link to a folder outside: must not be created
        "loop-a/x.txt",                                 // loop-a -> loop-b -> loop-a
    ];

    public static TheoryData<string, string> Attempts()
    {
        var data = new TheoryData<string, string>();
        foreach (var tool in new[] { "read_file", "write_file", "edit_file", "delete_file", "list_files", "search" })
            foreach (var escape in Escapes)
                data.Add(tool, escape);
        return data;
    }

    [Fact]
    public void Escapes_AreAtLeastThirtyDistinctAttempts()
    {
        Assert.Equal(44, Escapes.Length);
        Assert.Equal(Escapes.Length, Escapes.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Attempts))]
    public async Task PathTool_EscapeAttempt_IsRefusedWithPermissionsAndTouchesNothingOutside(string tool, string escape)
    {
        using var ws = Prepared();
        var path = escape.Replace("{OUT}", ws.Outside).Replace("{BASE}", ws.Base);
        var outside = ws.OutsideSnapshot();
        var neighbours = Neighbours(ws);
        var workspace = WorkspaceEntries(ws);

        var result = tool switch
        {
            "read_file" => await ws.Run(tool, new { path }),
            "write_file" => await ws.Run(tool, new { path, content = "pwned\n" }),
            "edit_file" => await ws.Run(tool, new { path, old_string = "sentinel", new_string = "pwned" }),
            "search" => await ws.Run(tool, new { pattern = "sentinel", path }),
            _ => await ws.Run(tool, new { path }),
        };

        Assert.True(result.ErrorCode == ErrorCodes.Permissions, $"{tool} {escape}: {result.ErrorCode} {result.Content}");
        Assert.False(result.Ok);
        Assert.DoesNotContain("sentinel", result.Content);
        Assert.Null(result.FilesChanged);
        Assert.Equal(outside, ws.OutsideSnapshot());
        Assert.Equal(neighbours, Neighbours(ws));           // no ws-evil, no new folder next to the workspace
        Assert.Equal(workspace, WorkspaceEntries(ws));      // and no half-made folder inside either
        Assert.Equal(["outside", "ws"], neighbours);
        Assert.False(File.Exists(Path.Combine(ws.Outside, "created.txt")));
    }

    /// <summary>Names that look like escapes but are, on Linux, ordinary names inside the workspace. The tools
    /// decode nothing (no URL decoding, no Unicode folding, no '\' as separator, no shell expansion) and normalise
    /// '..' on the path as written, before following links. So these are neither refused nor allowed to reach
    /// outside: reading finds nothing, writing creates exactly the file named here, inside.</summary>
    [Theory]
    [InlineData("%2e%2e%2foutside%2fsecret.txt", "%2e%2e%2foutside%2fsecret.txt")]       // URL-encoded "../outside/secret.txt": one name
    [InlineData("%2e%2e/%2e%2e/outside/secret.txt", "%2e%2e/%2e%2e/outside/secret.txt")] // encoded dots, real slashes
    [InlineData("%252e%252e%252fsecret.txt", "%252e%252e%252fsecret.txt")]                // double-encoded
    [InlineData("..%2f..%2foutside%2fsecret.txt", "..%2f..%2foutside%2fsecret.txt")]
    [InlineData("\uFF0E\uFF0E/\uFF0E\uFF0E/outside/secret.txt", "\uFF0E\uFF0E/\uFF0E\uFF0E/outside/secret.txt")] // fullwidth dots
    [InlineData("\uFF0E\uFF0E\uFF0Foutside\uFF0Fsecret.txt", "\uFF0E\uFF0E\uFF0Foutside\uFF0Fsecret.txt")]       // fullwidth dots and solidus
    [InlineData("\u2025/outside/secret.txt", "\u2025/outside/secret.txt")]                // two-dot leader
    [InlineData("..\\..\\outside\\secret.txt", "..\\..\\outside\\secret.txt")]            // backslashes: one name
    [InlineData("sub\\..\\../../outside/secret.txt", "outside/secret.txt")]               // 'sub\..\..' is one name, cancelled by the one real '..'
    [InlineData(".../outside/secret.txt", ".../outside/secret.txt")]                      // three dots are a name
    [InlineData("$HOME/secret.txt", "$HOME/secret.txt")]
    [InlineData("${HOME}/../outside/secret.txt", "outside/secret.txt")]                   // '${HOME}/..' cancels out
    [InlineData("sub/~/secret.txt", "sub/~/secret.txt")]                                  // '~' only means home at the start
    [InlineData("link-out/../outside/secret.txt", "outside/secret.txt")]                  // '..' is taken on the path as written, not after the link
    [InlineData("sub/link-up/../outside/secret.txt", "sub/outside/secret.txt")]
    public async Task PathTool_EscapeLookalike_StaysALiteralNameInsideTheWorkspace(string path, string expectedRelative)
    {
        using var ws = Prepared();
        var outside = ws.OutsideSnapshot();
        var neighbours = Neighbours(ws);

        var read = await ws.Run("read_file", new { path });
        var write = await ws.Run("write_file", new { path, content = "ok\n" });
        var reread = await ws.Run("read_file", new { path });

        Assert.True(read.ErrorCode == ErrorCodes.NotFound, $"{path}: {read.ErrorCode} {read.Content}");
        Assert.DoesNotContain("sentinel", read.Content);
        Assert.True(write.Ok, write.Content);
        Assert.Equal([expectedRelative], write.FilesChanged!);
        Assert.Equal("ok\n", File.ReadAllText(Path.Combine(ws.Workspace.Root, expectedRelative)));
        Assert.Equal("     1\tok\n", reread.Content);
        Assert.Equal(outside, ws.OutsideSnapshot());
        Assert.Equal(neighbours, Neighbours(ws));
    }

    [Fact]
    public async Task ListFiles_WorkspaceWithLinksToOutside_DoesNotListThroughThem()
    {
        using var ws = Prepared();

        var result = await ws.Run("list_files", new { });

        Assert.True(result.Ok, result.Content);
        Assert.Equal("sub/in.txt\n", result.Content); // every link (to folders, files, '/', '..', dangling, loops) is skipped
    }

    [Fact]
    public async Task Search_WholeWorkspaceWithLinksToOutside_FindsNothingOutside()
    {
        using var ws = Prepared();

        var result = await ws.Run("search", new { pattern = "sentinel|root:" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal("[no matches]\n", result.Content);
    }

    [Theory]
    [InlineData("list_files")]
    [InlineData("search")]
    public async Task PathTool_GlobClimbingOut_MatchesNothingOutside(string tool)
    {
        using var ws = Prepared();

        var result = tool == "list_files"
            ? await ws.Run(tool, new { glob = "../outside/*" })
            : await ws.Run(tool, new { pattern = "sentinel", glob = "../**" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal(tool == "list_files" ? "[no files]\n" : "[no matches]\n", result.Content);
    }

    [Theory]
    [InlineData("%2e%2e/x.txt")]
    [InlineData("sub/../inside.txt")]
    [InlineData("..hidden.txt")]
    public async Task WriteFile_TrickyButInsideName_StaysInside(string path)
    {
        using var ws = Prepared();

        var result = await ws.Run("write_file", new { path, content = "ok\n" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal("ok\n", File.ReadAllText(Path.GetFullPath(path, ws.Workspace.Root)));
    }

    [Fact]
    public async Task Resolve_AbsolutePathInside_IsAllowed()
    {
        using var ws = Prepared();

        var result = await ws.Run("read_file", new { path = ws.PathOf("sub/in.txt") });

        Assert.True(result.Ok, result.Content);
    }

    [Fact]
    public async Task WriteFile_LinkInsidePointingInside_WritesTheTarget()
    {
        using var ws = Prepared();
        File.CreateSymbolicLink(ws.PathOf("in-link"), "sub/in.txt");

        var result = await ws.Run("write_file", new { path = "in-link", content = "changed\n" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal(["sub/in.txt"], result.FilesChanged!);
        Assert.Equal("changed\n", File.ReadAllText(ws.PathOf("sub/in.txt")));
    }

    /// <summary>Symlinks a model could find in a template (or make with bash): to a folder outside, to a file outside
    /// (absolute and relative), a relative one climbing out from a subfolder, chains of links, a linked folder in the
    /// middle of a path, links to '..', '/' and /proc/self/root, dangling links to a file and a folder outside, and a loop.</summary>
    private static TempWorkspace Prepared()
    {
        var ws = new TempWorkspace();
        ws.Write("sub/in.txt", "inside\n");
        Directory.CreateDirectory(Path.Combine(ws.Outside, "nested"));
        File.WriteAllText(Path.Combine(ws.Outside, "nested", "deep.txt"), "sentinel deep\n");
        Directory.CreateDirectory(ws.PathOf("mid"));
        File.CreateSymbolicLink(ws.PathOf("link-out"), ws.Outside);
        File.CreateSymbolicLink(ws.PathOf("secret-link"), Path.Combine(ws.Outside, "secret.txt"));
        File.CreateSymbolicLink(ws.PathOf("sub/secret-rel"), "../../outside/secret.txt");
        File.CreateSymbolicLink(ws.PathOf("sub/link-up"), "../../outside");
        File.CreateSymbolicLink(ws.PathOf("chain"), ws.PathOf("sub/link-up"));
        File.CreateSymbolicLink(ws.PathOf("hop2"), "chain");
        File.CreateSymbolicLink(ws.PathOf("hop1"), "hop2");
        File.CreateSymbolicLink(ws.PathOf("mid/hop"), Path.Combine(ws.Outside, "nested"));
        File.CreateSymbolicLink(ws.PathOf("up"), "..");
        File.CreateSymbolicLink(ws.PathOf("root-link"), "/");
        File.CreateSymbolicLink(ws.PathOf("proc-root"), "/proc/self/root");
        File.CreateSymbolicLink(ws.PathOf("dangling-out"), Path.Combine(ws.Outside, "created.txt"));
        File.CreateSymbolicLink(ws.PathOf("sibling-link"), Path.Combine(ws.Base, "ws-evil"));
        File.CreateSymbolicLink(ws.PathOf("loop-a"), "loop-b");
        File.CreateSymbolicLink(ws.PathOf("loop-b"), "loop-a");
        return ws;
    }

    /// <summary>What sits next to the workspace: exactly "outside" and "ws" unless something escaped.</summary>
    private static List<string> Neighbours(TempWorkspace ws) =>
        Directory.EnumerateFileSystemEntries(ws.Base).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    /// <summary>Every entry of the workspace, links included but not followed.</summary>
    private static List<string> WorkspaceEntries(TempWorkspace ws)
    {
        var entries = new List<string>();
        void Walk(string dir)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                entries.Add(entry);
                if (new FileInfo(entry).LinkTarget is null && Directory.Exists(entry)) Walk(entry);
            }
        }
        Walk(ws.Workspace.Root);
        return entries.Order(StringComparer.Ordinal).ToList();
    }
}
