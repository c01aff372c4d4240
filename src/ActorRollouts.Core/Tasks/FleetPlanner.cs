using System.Collections.Immutable;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tasks;

/// <summary>Run-wide settings a task line may override.</summary>
public sealed record RunDefaults(Endpoint Endpoint, int MaxTurns, ImmutableList<string> Tools);

/// <summary>Expands tasks × samples into the sessions of a fleet, in a stable order.</summary>
public static class FleetPlanner
{
    public static ImmutableList<SessionSpec> Plan(string fleetId, IEnumerable<TaskDefinition> tasks, RunDefaults defaults) =>
        tasks.SelectMany(task => Enumerable.Range(0, task.Samples).Select(sample => new SessionSpec(
                SessionSpec.MakeSessionId(fleetId, task.Id, sample),
                fleetId,
                task.Id,
                sample,
                task.Prompt,
                task.System,
                task.Model is { } model ? defaults.Endpoint with { Model = model } : defaults.Endpoint,
                task.MaxTurns ?? defaults.MaxTurns,
                task.Workspace,
                task.Tools ?? defaults.Tools,
                task.Metadata)))
            .ToImmutableList();
}
