using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Images;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Environments.Tests;

/// <summary>A workspace over a container image: the image's tree is <c>/</c> for commands and for the file tools alike,
/// confined to it (a symlink to <c>/etc/shadow</c> is the image's file), with the image's Env, User and working folder;
/// every change anywhere in the tree is reported for the journal.</summary>
public class ImageWorkspaceTests : IAsyncLifetime
{
    private const string ImageShadow = "root:the-image's-own-shadow:0:0:::::\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("ar-image-ws-").FullName;
    private Workspace _workspace = null!;
    private ToolExecutor _executor = null!;
    private int _calls;

    public async Task InitializeAsync()
    {
        var layout = await TestImages.BuildAsync(Path.Combine(_dir, "build"),
        [
            TestImages.Busybox,
            root =>
            {
                Directory.CreateDirectory(Path.Combine(root, "etc"));
                File.WriteAllText(Path.Combine(root, "etc", "shadow"), ImageShadow);
                Directory.CreateDirectory(Path.Combine(root, "testbed"));
                File.WriteAllText(Path.Combine(root, "testbed", "hello.txt"), "hello from the image\n");
                File.CreateSymbolicLink(Path.Combine(root, "testbed", "link-shadow"), "/etc/shadow");
            },
        ], workingDir: "/testbed", env: "GREETING=from-the-image", user: "1000:1000");
        var captured = await new ImageStore(Path.Combine(_dir, "images"), ImageStore.DefaultMaxBytes).CaptureAsync(ImageReference.Parse($"oci:{layout}:base", _dir));
        var image = new SessionImage($"oci:{layout}:base", Digest: captured.Digest, Env: captured.Env, WorkingDir: captured.WorkingDir, Uid: captured.Uid, Gid: captured.Gid);
        _workspace = await Workspace.OpenAsync(Path.Combine(_dir, "ws"), captured.RootFs, image);
        _executor = new ToolExecutor(_workspace, ToolCatalog.AllToolNames, EnvironmentOptions.Default with { RequireReadFirst = [] }, new BlobStore(Path.Combine(_dir, "blobs")));
    }

    public Task DisposeAsync()
    {
        _workspace.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private Task<ToolExecution> Run(string tool, string arguments) =>
        _executor.ExecuteAsync(new ToolCall($"call_{++_calls}", tool, arguments), CancellationToken.None);

    /// <summary>What a bash call printed on stdout, from its result's text.</summary>
    private static string Stdout(ToolResult bash)
    {
        var text = bash.Content[(bash.Content.IndexOf("--- stdout ---\n", StringComparison.Ordinal) + "--- stdout ---\n".Length)..];
        return text.Split("--- stderr ---\n")[0];
    }

    [Fact]
    public async Task ASymlinkToEtcShadow_ReadsTheImagesFile_ForTheFileToolsAndForBash()
    {
        var read = (await Run("read_file", """{"path": "link-shadow"}""")).Outcome;
        var absolute = (await Run("read_file", """{"path": "/etc/shadow"}""")).Outcome;
        var bash = (await Run("bash", """{"command": "cat /etc/shadow; cat link-shadow"}""")).Outcome;

        Assert.True(read.Ok, read.Content);
        Assert.Contains("the-image's-own-shadow", read.Content);
        Assert.Contains("the-image's-own-shadow", absolute.Content);
        Assert.Equal(ImageShadow + ImageShadow, Stdout(bash));
    }

    [Fact]
    public async Task Commands_SeeOnlyTheImagesTree_WithItsEnvUserAndWorkingFolder()
    {
        var bash = (await Run("bash", """{"command": "pwd; echo $GREETING; id -u; id -g; ls /; test -e /usr/bin/dotnet || echo no-host-dotnet"}""")).Outcome;

        Assert.True(bash.Ok, bash.Content);
        Assert.Equal("/testbed\nfrom-the-image\n1000\n1000\nbin\ndev\netc\nproc\ntestbed\ntmp\nno-host-dotnet\n", Stdout(bash));
    }

    [Fact]
    public async Task RelativePaths_StartAtTheWorkingFolder_AndNoPathLeavesTheImagesRoot()
    {
        var list = (await Run("list_files", "{}")).Outcome;
        var up = (await Run("read_file", """{"path": "../etc/shadow"}""")).Outcome;
        var above = (await Run("read_file", """{"path": "../../../etc/hostname"}""")).Outcome;

        Assert.Equal("hello.txt\n", list.Content); // the link is not listed as a file
        Assert.True(up.Ok, up.Content);
        Assert.Equal(ErrorCodes.Permissions, above.ErrorCode);
    }

    [Fact]
    public async Task ChangesAnywhereInTheTree_AreReported_ByPathFromTheImagesRoot()
    {
        var written = await Run("write_file", """{"path": "/etc/motd", "content": "edited\n"}""");
        var bashed = await Run("bash", """{"command": "echo made > /opt-file; rm /testbed/hello.txt; cat /etc/motd"}""");

        Assert.Equal("Created /etc/motd (7 bytes).", written.Outcome.Content);
        Assert.Equal(["etc/motd"], written.Changes.Select(c => c.Path));
        Assert.Equal("edited\n", Stdout(bashed.Outcome));
        Assert.Equal([("opt-file", FileChangeKinds.Created), ("testbed/hello.txt", FileChangeKinds.Deleted)],
            bashed.Changes.Select(c => (c.Path, c.Change)));
    }
}
