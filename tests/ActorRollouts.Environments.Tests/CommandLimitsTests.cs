using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Sandbox;

namespace ActorRollouts.Environments.Tests;

/// <summary>Every command runs within limits (cgroups for memory and processes, rlimits for the rest), a runaway ends as
/// an E_LIMIT result of its own, and a command that is cancelled or times out leaves nothing running — in bubblewrap
/// and without it.</summary>
public class CommandLimitsTests
{
    private static readonly CommandLimits Small = new(MemoryBytes: 256L << 20, Processes: 64, CpuSeconds: 20, FileBytes: 64L << 20, OpenFiles: 256);

    private static TempWorkspace Workspace(SandboxMode mode = SandboxMode.Bwrap, int maxCommandSeconds = 120) =>
        new(TempWorkspace.Plain with { Sandbox = mode, Limits = Small, MaxCommandSeconds = maxCommandSeconds }, "bash", "write_file");

    [Fact]
    public void Cgroups_AreAvailableOnThisMachineKind()
    {
        Assert.True(CommandCgroups.Instance.Available, CommandCgroups.Instance.Unavailable);
    }

    /// <summary>The values are generous on purpose: the parent group is shared with every test of this process.</summary>
    [Fact]
    public void Ceiling_IsHeldByTheParentGroupOfEveryCommand()
    {
        var cgroups = CommandCgroups.Instance;

        cgroups.LimitAll(new CommandCeiling(8L << 30, 4000));
        var (pids, memory) = (cgroups.ParentLimit("pids.max"), cgroups.ParentLimit("memory.limit_in_bytes"));
        cgroups.LimitAll(CommandCeiling.None);

        Assert.Equal(("4000", (8L << 30).ToString()), (pids, memory));
        Assert.Equal("max", cgroups.ParentLimit("pids.max"));
    }

    [Theory]
    [InlineData(SandboxMode.Bwrap)]
    [InlineData(SandboxMode.None)]
    public async Task ForkBomb_EndsAsAProcessLimitErrorAndLeavesNothingRunning(SandboxMode mode)
    {
        using var ws = Workspace(mode);
        var marker = $"ar-bomb-{Guid.NewGuid():n}"[..20];

        var result = await ws.Run("bash", new { command = $"bomb() {{ bomb | bomb & }}; bomb; exec -a {marker} sleep 5", timeout_s = 60 });

        Assert.Equal(ErrorCodes.Limit, result.ErrorCode);
        Assert.Equal(LimitKinds.Processes, result.Data!["limit_hit"].GetString());
        Assert.Contains("its process limit (64 processes)", result.Content);
        Assert.InRange(result.Data["peak_processes"].GetInt64(), 1, 64);
        Assert.Empty(ProcessTable.Mentioning(marker));
    }

    [Theory]
    [InlineData(SandboxMode.Bwrap)]
    [InlineData(SandboxMode.None)]
    public async Task MemoryBomb_IsKilledInsideItsOwnLimit(SandboxMode mode)
    {
        using var ws = Workspace(mode);

        var result = await ws.Run("bash", new { command = "s=xxxxxxxx; while true; do s=$s$s; done", timeout_s = 60 });

        Assert.Equal(ErrorCodes.Limit, result.ErrorCode);
        Assert.Equal(LimitKinds.Memory, result.Data!["limit_hit"].GetString());
        Assert.Contains("its memory limit (256 MiB)", result.Content);
        Assert.InRange(result.Data["peak_memory_bytes"].GetInt64(), 1, 256L << 20);
    }

    [Theory]
    [InlineData(SandboxMode.Bwrap)]
    [InlineData(SandboxMode.None)]
    public async Task ThreeGigabyteWrite_StopsAtTheFileSizeLimit(SandboxMode mode)
    {
        using var ws = Workspace(mode);

        var execution = await ws.Execute("bash", new { command = "head -c 3G /dev/zero > big.bin", timeout_s = 60 });

        Assert.Equal(ErrorCodes.Limit, execution.Outcome.ErrorCode);
        Assert.Equal(LimitKinds.FileSize, execution.Outcome.Data!["limit_hit"].GetString());
        Assert.Equal(64L << 20, new FileInfo(ws.PathOf("big.bin")).Length);
        Assert.Equal(64L << 20, Assert.Single(execution.Changes).NewBytes); // the change scan hashed it without holding it
    }

    [Fact]
    public async Task EveryResult_ReportsTheLimitsAndWhatHeldThem()
    {
        using var ws = Workspace();

        var result = await ws.Run("bash", new { command = "true" });

        var limits = result.Data!["limits"];
        Assert.Equal((256L << 20, 64, 20, 64L << 20, 256, "cgroup+rlimit"),
            (limits.GetProperty("memory_bytes").GetInt64(), limits.GetProperty("processes").GetInt32(), limits.GetProperty("cpu_seconds").GetInt32(),
                limits.GetProperty("file_bytes").GetInt64(), limits.GetProperty("open_files").GetInt32(), limits.GetProperty("enforced_by").GetString()));
        Assert.Equal(JsonValueKind.Null, result.Data["limit_hit"].ValueKind);
    }

    [Fact]
    public async Task OpenFilesLimit_BindsTheCommand()
    {
        using var ws = Workspace();

        var result = await ws.Run("bash", new { command = "ulimit -n; ulimit -f" });

        Assert.Contains($"256\n{(64L << 20) / 1024}\n", result.Content); // bash reports -f in 1024-byte blocks
    }

    [Theory]
    [InlineData(SandboxMode.Bwrap)]
    [InlineData(SandboxMode.None)]
    public async Task CancellingACommand_KillsEverythingItStarted_EvenWhatLeftItsProcessTree(SandboxMode mode)
    {
        using var ws = Workspace(mode);
        var marker = $"ar-cancel-{Guid.NewGuid():n}"[..22];
        using var cancel = new CancellationTokenSource();
        var call = new ToolCall("c1", "bash", JsonSerializer.Serialize(new
        {
            // The subshell exits at once, so the setsid'd sleep is re-parented away from the command's process tree.
            command = $"( setsid bash -c 'exec -a {marker} sleep 600' & ); exec -a {marker} sleep 600", timeout_s = 120,
        }));

        var running = ws.Executor.ExecuteAsync(call, cancel.Token);
        await Processes.WaitUntilRunning(marker, count: 2);
        await cancel.CancelAsync();
        var execution = await running;

        Assert.Equal(ErrorCodes.Timeout, execution.Outcome.ErrorCode); // the executor's deadline is the only canceller it knows
        Assert.Empty(ProcessTable.Mentioning(marker));
    }

    [Fact]
    public async Task TimeoutAboveTheMaximum_IsRefusedAndTheSchemaSaysTheMaximum()
    {
        using var ws = Workspace(maxCommandSeconds: 30);

        var result = await ws.Run("bash", new { command = "echo never", timeout_s = 31 });
        var schema = ToolCatalog.Specs(["bash"], TempWorkspace.Plain with { MaxCommandSeconds = 30 })[0].ParametersSchema;

        Assert.Equal(ErrorCodes.Validation, result.ErrorCode);
        Assert.Contains("timeout_s 31 is above the maximum of 30 s", result.Content);
        Assert.DoesNotContain("never", result.Content);
        Assert.Equal(30, schema.GetProperty("properties").GetProperty("timeout_s").GetProperty("maximum").GetInt32());
    }
}

/// <summary>Waits for the processes a test started to show up.</summary>
internal static class Processes
{
    /// <summary>Waits (checking /proc as the processes start; bounded) until <paramref name="count"/> of them run.</summary>
    public static async Task WaitUntilRunning(string marker, int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (ProcessTable.Mentioning(marker).Count < count)
            if (!await tick.WaitForNextTickAsync(deadline.Token)) break;
    }
}
