using ActorRollouts.Actors.Configuration;
using ActorRollouts.Environments.Sandbox;
using Akka.Configuration;

namespace ActorRollouts.Actors.Tests;

/// <summary>The command limits as HOCON states them: per command, and for all commands of a process together.</summary>
public class CommandLimitSettingsTests
{
    private static RolloutSettings Read(string hocon) =>
        RolloutSettings.From(ConfigurationFactory.ParseString(hocon).WithFallback(RolloutConfig.ForSqlite(TestSystems.NewDataDir())));

    [Fact]
    public void Shipped_PerCommandLimitsAndAThreeQuarterCeilingOfTheHost()
    {
        var options = Read("").Environment.Options;

        Assert.Equal(new CommandLimits(2L << 30, 512, 600, 1L << 30, 1024), options.CommandLimits);
        Assert.Equal(CommandCeiling.HostMemoryBytes() * 3 / 4, options.CommandCeiling.MemoryBytes, tolerance: 1024);
        Assert.Equal(CommandCeiling.PidMax() / 2, options.CommandCeiling.Processes);
        Assert.Equal(120, options.MaxCommandSeconds);
    }

    [Fact]
    public void Overridden_SizesSharesAndCounts()
    {
        var options = Read("""
            actor-rollouts.environment.tool-timeout = 300s
            actor-rollouts.environment.limits { memory = 512MiB, processes = 64, cpu-time = 30s, file-size = 10MiB, open-files = 128
              all-commands { memory = "50%", processes = 1000 } }
            """).Environment.Options;

        Assert.Equal(new CommandLimits(512L << 20, 64, 30, 10L << 20, 128), options.CommandLimits);
        Assert.Equal(new CommandCeiling(CommandCeiling.HostMemoryBytes() / 2, 1000), options.CommandCeiling);
        Assert.Equal(300, options.MaxCommandSeconds);
        Assert.Equal(new CommandCeiling(8L << 30, 0), Read("actor-rollouts.environment.limits.all-commands { memory = 8GiB, processes = 0 }").Environment.Options.CommandCeiling);
    }

    [Fact]
    public void Negative_IsAClearConfigurationError()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("actor-rollouts.environment.limits.processes = -1"));

        Assert.Contains("actor-rollouts.environment.limits must not be negative", error.Message);
    }
}
