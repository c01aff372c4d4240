using System.Collections.Immutable;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tasks;

/// <summary>Run-wide settings a task line may override.</summary>
public sealed record RunDefaults(Endpoint Endpoint, int MaxTurns, ImmutableList<string> Tools, ImmutableList<string>? ConfirmTools = null,
    Budget? Budget = null);

/// <summary>Expands tasks × samples into the sessions of a fleet, in a stable order. Each session's endpoint gets its
/// model (the task's, else the run's) and its API resolved (<c>auto</c> routes by model family).</summary>
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
                EndpointFor(task, defaults.Endpoint),
                task.MaxTurns ?? defaults.MaxTurns,
                task.Workspace,
                task.Tools ?? defaults.Tools,
                task.Metadata,
                defaults.ConfirmTools,
                task.Grader,
                Budget.Merge(task.Budget, defaults.Budget),
                Image: task.Image,
                McpServers: task.McpServers,
                Agent: task.Agent,
                Context: task.Context)))
            .ToImmutableList();

    private static Endpoint EndpointFor(TaskDefinition task, Endpoint run)
    {
        var model = task.Model ?? run.Model;
        return run with { Model = model, Api = ApiRouting.Resolve(task.Api ?? run.Api, model) };
    }
}
