using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ActorRollouts.Environments;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using OpenAI;
using ToolCall = ActorRollouts.Core.Model.ToolCall;
using ToolSpec = ActorRollouts.Core.Model.ToolSpec;

namespace ActorRollouts.Bench.Modes;

/// <summary>The .NET peer a user would pick instead: Microsoft Agent Framework's <see cref="ChatClientAgent"/> over
/// Microsoft.Extensions.AI's OpenAI chat client (streaming), with the same tools (name, description, schema) backed by the same tool code
/// (<see cref="ToolExecutor"/>), one agent session per rollout, nothing persisted.</summary>
public sealed class AgentFrameworkMode : IMode
{
    public string Name => "agent-framework";

    public async Task<ModeResult> RunAsync(Workload workload, Uri baseUrl, string workDir, CancellationToken cancel)
    {
        var template = workload.TemplateIn(workDir);
        var clock = new StepClock();
        var openAi = new OpenAIClient(new ApiKeyCredential("no-key"), new OpenAIClientOptions
        {
            Endpoint = baseUrl, RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = TimeSpan.FromSeconds(120),
        });
        IChatClient chat = new TimedChatClient(openAi.GetChatClient(BenchFiles.Model).AsIChatClient(), clock);
        return await SessionDriver.RunAsync(Name, workload, clock, async (i, ct) =>
        {
            using var workspace = await Workspace.OpenAsync(Path.Combine(workDir, "workspaces", $"t{i:d5}-0"), template);
            var executor = new ToolExecutor(workspace, workload.ToolNames, EnvironmentOptions.Default);
            var agent = new ChatClientAgent(chat, instructions: BenchFiles.System, name: "bench", tools: CatalogFunction.For(executor, workload.ToolNames));
            var session = await agent.CreateSessionAsync(ct);
            TimedChatClient.SessionId.Value = $"af:t{i:d5}:0";
            await foreach (var _ in agent.RunStreamingAsync(BenchFiles.Prompt, session, cancellationToken: ct))
            {
            }
        }, cancel);
    }

    /// <summary>One of our tools as an agent tool: the same name, description and JSON schema the engine offers, run by
    /// the session's <see cref="ToolExecutor"/> with the arguments the model sent.</summary>
    private sealed class CatalogFunction(ToolSpec spec, ToolExecutor executor) : AIFunction
    {
        private static int _calls;

        public static IList<AITool> For(ToolExecutor executor, IEnumerable<string> names) =>
            [.. ToolCatalog.Specs(names, EnvironmentOptions.Default).Select(spec => new CatalogFunction(spec, executor))];

        public override string Name => spec.Name;
        public override string Description => spec.Description;
        public override JsonElement JsonSchema => spec.ParametersSchema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var call = new ToolCall($"af_{Interlocked.Increment(ref _calls)}", spec.Name,
                JsonSerializer.Serialize(arguments.ToDictionary(a => a.Key, a => a.Value)));
            return (await executor.ExecuteAsync(call, cancellationToken)).Outcome.Content;
        }
    }

    /// <summary>Notes each model call of the current session (the agent's calls flow in the session's async context).</summary>
    private sealed class TimedChatClient(IChatClient inner, StepClock clock) : DelegatingChatClient(inner)
    {
        public static readonly AsyncLocal<string> SessionId = new();

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            clock.CallStarting(SessionId.Value ?? "?");
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            clock.CallStarting(SessionId.Value ?? "?");
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken)) yield return update;
        }
    }
}
