using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Sandbox;

namespace ActorRollouts.Environments.Tests;

/// <summary>bash under bubblewrap (installed by .ci/run): no network, nothing writable but the workspace, a timeout
/// that leaves nothing running, and the files a command changed found by comparing the workspace before and after.</summary>
public class BashToolTests
{
    [Fact]
    public void Bubblewrap_IsInstalled()
    {
        Assert.True(CommandRunner.BwrapAvailable(), "bwrap is missing: .ci/run installs bubblewrap (apt-get install bubblewrap)");
    }

    [Fact]
    public async Task Bash_RunsInTheWorkspaceAndReportsExitCodeAndOutput()
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", "hello\n");

        var result = await ws.Run("bash", new { command = "pwd; cat a.txt; echo oops >&2; exit 3" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal(3, result.Data!["exit_code"].GetInt32());
        Assert.Contains("/workspace\nhello\n", result.Content);
        Assert.Contains("--- stderr ---\noops", result.Content);
        Assert.Equal("bwrap", result.Data["sandbox"].GetString());
    }

    [Theory]
    [InlineData(SandboxMode.Bwrap)]
    [InlineData(SandboxMode.None)]
    public async Task Bash_SeesNoneOfTheEnginesEnvironment_WhereApiKeysLive(SandboxMode mode)
    {
        Environment.SetEnvironmentVariable("AR_TEST_SECRET_TOKEN", "sk-never-in-a-sandbox");
        using var ws = new TempWorkspace(TempWorkspace.Plain with { Sandbox = mode });

        var result = await ws.Run("bash", new { command = "env; echo PATH=$PATH" });

        Assert.True(result.Ok, result.Content);
        Assert.DoesNotContain("sk-never-in-a-sandbox", result.Content);
        Assert.DoesNotContain("AR_TEST_SECRET_TOKEN", result.Content);
        Assert.Contains("PATH=/usr/local/bin:/usr/bin:/bin\n", result.Content);
    }

    [Fact]
    public async Task Bash_InSandbox_CannotOpenANetworkConnection()
    {
        using var ws = new TempWorkspace();

        var result = await ws.Run("bash", new { command = "(exec 3<>/dev/tcp/127.0.0.1/22) 2>&1 || echo NO-NETWORK; (exec 3<>/dev/tcp/1.1.1.1/80) 2>&1 || echo NO-NETWORK-2" });

        Assert.Contains("NO-NETWORK\n", result.Content);
        Assert.Contains("NO-NETWORK-2", result.Content);
        Assert.Contains("Network is unreachable", result.Content);
    }

    [Fact]
    public async Task Bash_InSandbox_CannotWriteOutsideTheWorkspace()
    {
        using var ws = new TempWorkspace();
        var before = ws.OutsideSnapshot();
        var marker = $"ar-sandbox-{Guid.NewGuid():n}";

        var result = await ws.Run("bash", new
        {
            command = $"echo x > {ws.Outside}/secret.txt; echo x > /usr/{marker}; echo x > /etc/{marker}; echo x > /tmp/{marker} && echo TMP-WRITABLE; echo x > ../{marker}; ls {ws.Outside}",
        });

        Assert.Contains("TMP-WRITABLE", result.Content); // a private /tmp...
        Assert.False(File.Exists($"/tmp/{marker}"));     // ...that is not ours
        Assert.False(File.Exists($"/usr/{marker}"));
        Assert.False(File.Exists($"/etc/{marker}"));
        Assert.False(File.Exists(Path.Combine(ws.Base, marker)));
        Assert.Equal(before, ws.OutsideSnapshot());
        Assert.Contains("Read-only file system", result.Content);
    }

    /// <summary>Structural, not timed: a command that ran to its end would exit 0 after a minute; a timed-out one is
    /// E_TIMEOUT with nothing left running.</summary>
    [Fact]
    public async Task Bash_SleepPastItsTimeout_IsTimeoutAndLeavesNoProcessBehind()
    {
        using var ws = new TempWorkspace();
        var marker = $"60.{Random.Shared.Next(100000, 999999)}";

        var result = await ws.Run("bash", new { command = $"sleep {marker} & sleep {marker}", timeout_s = 1 });

        Assert.Equal(ErrorCodes.Timeout, result.ErrorCode);
        Assert.True(result.Data!["timed_out"].GetBoolean());
        Assert.Empty(ProcessTable.Mentioning(marker));
    }

    [Fact]
    public async Task Bash_CreatesEditsAndDeletes_ReportsEachChangeWithDiffsThatPatchApplies()
    {
        using var ws = new TempWorkspace();
        ws.Write("keep.txt", "one\ntwo\nthree\n");
        ws.Write("gone.txt", "bye\n");

        var execution = await ws.Execute("bash", new
        {
            command = "echo fresh > new.txt && sed -i 's/two/TWO/' keep.txt && rm gone.txt && printf '\\x00\\x01' > blob.bin && mkdir -p d && echo deep > d/x.txt",
        });

        var changes = execution.Changes.Where(c => !c.IsDirectory).ToDictionary(c => c.Path);
        Assert.Equal(["blob.bin", "d/x.txt", "gone.txt", "keep.txt", "new.txt"], changes.Keys.Order());
        Assert.Equal(("d", FileChangeKinds.Created), execution.Changes.Where(c => c.IsDirectory).Select(c => (c.Path, c.Change)).Single());
        Assert.Equal((FileChangeKinds.Created, FileChangeKinds.Modified, FileChangeKinds.Deleted),
            (changes["new.txt"].Change, changes["keep.txt"].Change, changes["gone.txt"].Change));
        Assert.Null(changes["blob.bin"].Diff);                 // binary: size and hash only
        Assert.Equal(2, changes["blob.bin"].NewBytes);
        Assert.Equal(64, changes["blob.bin"].Sha256!.Length);
        Assert.Equal(changes.Keys, execution.Outcome.FilesChanged!);
        Assert.Equal(4, execution.Outcome.Diffs!.Count);
        Assert.Equal("one\nTWO\nthree\n", await DiffPatchTests.ApplyWithPatch("keep.txt", "one\ntwo\nthree\n", changes["keep.txt"].Diff!));
        Assert.Equal("fresh\n", await DiffPatchTests.ApplyWithPatch("new.txt", null, changes["new.txt"].Diff!));
        Assert.Null(await DiffPatchTests.ApplyWithPatch("gone.txt", "bye\n", changes["gone.txt"].Diff!));
    }

    [Fact]
    public async Task Bash_LongOutput_IsCutInTheMiddle()
    {
        using var ws = new TempWorkspace();

        var result = await ws.Run("bash", new { command = "seq 1 100000" });

        Assert.True(result.Data!["stdout_truncated"].GetBoolean());
        Assert.Contains("\n1\n2\n3\n", "\n" + result.Content[result.Content.IndexOf("1\n", StringComparison.Ordinal)..]);
        Assert.Contains("100000", result.Content);
        Assert.Contains("characters cut", result.Content);
        Assert.True(result.Content.Length < 20_000);
    }
}
