using ActorRollouts.Environments.Workspaces;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tests;

/// <summary>FIFOs and sockets in a workspace never block a tool or the change tracking: opening a FIFO waits for a
/// writer that never comes, so every path that could open one checks the file's kind first. Each call is bounded by
/// <see cref="Guard"/>, so a regression fails the test instead of hanging the suite.</summary>
public class SpecialFileTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static Task<ToolResult> Run(TempWorkspace ws, string tool, object arguments) => ws.Run(tool, arguments).WaitAsync(Guard);

    [Fact]
    public async Task FifoMadeByBash_DoesNotBlockTheNextWriteAndIsReportedAsSkipped()
    {
        using var ws = new TempWorkspace();

        var made = await Run(ws, "bash", new { command = "mkfifo pipe && echo made" });
        var write = await ws.Execute("write_file", new { path = "notes.txt", content = "still here\n" }).WaitAsync(Guard);

        Assert.True(made.Ok, made.Content);
        Assert.Equal("pipe (a FIFO (named pipe))", Assert.Single(made.Data!["special_files_skipped"].EnumerateArray()).GetString());
        Assert.True(write.Outcome.Ok, write.Outcome.Content);
        Assert.Equal(["notes.txt"], write.Changes.Select(c => c.Path)); // the FIFO is not a "change" it could read
        Assert.Contains("special_files_skipped", write.Outcome.Data!.Keys);
    }

    [Theory]
    [InlineData("read_file", """{"path":"pipe"}""")]
    [InlineData("write_file", """{"path":"pipe","content":"x"}""")]
    [InlineData("edit_file", """{"path":"pipe","old_string":"a","new_string":"b"}""")]
    [InlineData("search", """{"pattern":"x","path":"pipe"}""")]
    public async Task FileToolOnAFifo_IsAValidationErrorNotAHang(string tool, string arguments)
    {
        using var ws = new TempWorkspace();
        await Run(ws, "bash", new { command = "mkfifo pipe" });

        var result = await ws.RunRaw(tool, arguments).WaitAsync(Guard);

        Assert.Equal(ErrorCodes.Validation, result.ErrorCode);
        Assert.Contains("'pipe' is a FIFO (named pipe), not a regular file", result.Content);
    }

    [Fact]
    public async Task SearchOverAFolderWithAFifoAndASocket_SearchesTheRegularFiles()
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", "needle\n");
        await Run(ws, "bash", new { command = "mkfifo pipe && python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('sock')\"" });

        var result = await Run(ws, "search", new { pattern = "needle" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal("a.txt:1: needle\n", result.Content);
    }

    [Fact]
    public async Task SocketMadeByBash_IsSkippedAndReported()
    {
        using var ws = new TempWorkspace();

        var result = await Run(ws, "bash", new { command = "python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('sock')\"" });

        Assert.Equal("sock (a socket)", Assert.Single(result.Data!["special_files_skipped"].EnumerateArray()).GetString());
    }

    [Fact]
    public async Task TemplateWithAFifo_IsCopiedWithoutIt()
    {
        using var template = new TempWorkspace();
        template.Write("keep.txt", "kept\n");
        await Run(template, "bash", new { command = "mkfifo pipe" });
        var root = Path.Combine(template.Base, "copy");

        var captured = await Task.Run(() => TemplateCapture.Capture(template.Workspace.Root, Path.Combine(template.Base, "templates"))).WaitAsync(Guard);
        using var copy = Workspace.Open(root, captured.Folder);

        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(copy.Root).Select(Path.GetFileName));
        Assert.Equal(["pipe (a FIFO (named pipe))"], captured.SpecialFiles);
    }
}

/// <summary>A template's symlinks are copied as symlinks: never followed (a link to a file outside is not copied as its
/// content), and a dangling one does not stop the workspace from being made.</summary>
public class TemplateSymlinkTests
{
    [Fact]
    public async Task TemplateWithLinksInsideOutsideAndDangling_CopiesThemAsLinks_AndToolsRefuseTheOutsideOne()
    {
        using var template = new TempWorkspace();
        template.Write("lib/real.py", "print('inside')\n");
        File.CreateSymbolicLink(template.PathOf("lib/alias.py"), "real.py");                                          // inside, relative
        File.CreateSymbolicLink(template.PathOf("secret-link"), Path.Combine(template.Outside, "secret.txt"));        // a file outside
        File.CreateSymbolicLink(template.PathOf("libpython3.11.so"), "../../x86_64-linux-gnu/libpython3.11.so.1.0"); // dangling, as Debian's
        Directory.CreateDirectory(template.PathOf("pkg"));
        File.CreateSymbolicLink(template.PathOf("linked-dir"), "pkg");                                               // a folder link: not recursed
        var root = Path.Combine(template.Base, "copy");

        using var copy = Workspace.Open(root, TemplateCapture.Capture(template.Workspace.Root, Path.Combine(template.Base, "templates")).Folder);
        var executor = new ToolExecutor(copy, ["read_file"], TempWorkspace.Plain);
        async Task<ToolResult> Read(string path) =>
            (await executor.ExecuteAsync(new ToolCall("c", "read_file", $$"""{"path":"{{path}}"}"""), CancellationToken.None)).Outcome;

        Assert.Equal("real.py", new FileInfo(Path.Combine(copy.Root, "lib/alias.py")).LinkTarget);
        Assert.Equal(Path.Combine(template.Outside, "secret.txt"), new FileInfo(Path.Combine(copy.Root, "secret-link")).LinkTarget);
        Assert.Equal("../../x86_64-linux-gnu/libpython3.11.so.1.0", new FileInfo(Path.Combine(copy.Root, "libpython3.11.so")).LinkTarget);
        Assert.Equal("pkg", new FileInfo(Path.Combine(copy.Root, "linked-dir")).LinkTarget);
        Assert.Contains("print('inside')", (await Read("lib/alias.py")).Content);
        Assert.Equal(ErrorCodes.Permissions, (await Read("secret-link")).ErrorCode);
        Assert.DoesNotContain(Directory.EnumerateFiles(copy.Root, "*", SearchOption.AllDirectories),
            f => new FileInfo(f).LinkTarget is null && File.ReadAllText(f).Contains("sentinel")); // the outside content was never copied
    }
}
