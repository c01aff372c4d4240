using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tests;

/// <summary>Every path-taking tool refuses every way out of the workspace with E_PERMISSIONS, and nothing outside
/// changes. {OUT} is a real folder next to the workspace holding a sentinel file; {BASE} is their common parent.</summary>
public class ConfinementTests
{
    public static readonly string[] Escapes =
    [
        "../outside/secret.txt",
        "../../etc/passwd",
        "/etc/passwd",
        "{OUT}/secret.txt",
        "{OUT}",
        "sub/../../outside/secret.txt",
        "./../outside/secret.txt",
        "sub/../../../etc/passwd",
        "//etc/passwd",
        "/../etc/passwd",
        "~/secret.txt",
        "~",
        "~root/.bashrc",
        "link-out/secret.txt",
        "link-out",
        "link-out/new.txt",
        "secret-link",
        "sub/link-up/secret.txt",
        "chain/secret.txt",
        "{BASE}/ws-evil/x.txt",
        "{BASE}/ws/../outside/secret.txt",
        "a.txt\0/../../outside/secret.txt",
        "sub/./../.././outside/secret.txt",
    ];

    public static TheoryData<string, string> Attempts()
    {
        var data = new TheoryData<string, string>();
        foreach (var tool in new[] { "read_file", "write_file", "edit_file", "delete_file", "list_files", "search" })
            foreach (var escape in Escapes)
                data.Add(tool, escape);
        return data;
    }

    [Theory]
    [MemberData(nameof(Attempts))]
    public async Task PathTool_EscapeAttempt_IsRefusedWithPermissionsAndTouchesNothingOutside(string tool, string escape)
    {
        using var ws = Prepared();
        var path = escape.Replace("{OUT}", ws.Outside).Replace("{BASE}", ws.Base);
        var before = ws.OutsideSnapshot();

        var result = tool switch
        {
            "read_file" => await ws.Run(tool, new { path }),
            "write_file" => await ws.Run(tool, new { path, content = "pwned\n" }),
            "edit_file" => await ws.Run(tool, new { path, old_string = "sentinel", new_string = "pwned" }),
            "search" => await ws.Run(tool, new { pattern = "sentinel", path }),
            _ => await ws.Run(tool, new { path }),
        };

        Assert.True(result.ErrorCode == ErrorCodes.Permissions, $"{tool} {escape}: {result.ErrorCode} {result.Content}");
        Assert.DoesNotContain("sentinel", result.Content);
        Assert.Equal(before, ws.OutsideSnapshot());
        Assert.False(Directory.Exists(Path.Combine(ws.Base, "ws-evil")));
    }

    [Fact]
    public async Task ListFiles_WorkspaceWithLinkToOutside_DoesNotListThroughIt()
    {
        using var ws = Prepared();

        var result = await ws.Run("list_files", new { });

        Assert.True(result.Ok, result.Content);
        Assert.DoesNotContain("secret.txt", result.Content);
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

    /// <summary>Symlinks a model could find in a template: to a folder outside, to a file outside, a relative one
    /// climbing out from a subfolder, and a link to that link.</summary>
    private static TempWorkspace Prepared()
    {
        var ws = new TempWorkspace();
        ws.Write("sub/in.txt", "inside\n");
        File.CreateSymbolicLink(ws.PathOf("link-out"), ws.Outside);
        File.CreateSymbolicLink(ws.PathOf("secret-link"), Path.Combine(ws.Outside, "secret.txt"));
        File.CreateSymbolicLink(ws.PathOf("sub/link-up"), "../../outside");
        File.CreateSymbolicLink(ws.PathOf("chain"), ws.PathOf("sub/link-up"));
        return ws;
    }
}
