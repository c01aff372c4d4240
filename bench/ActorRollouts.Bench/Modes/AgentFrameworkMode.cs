using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ActorRollouts.Environments;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using OpenAI;
using ToolCall = ActorRollouts.Core.Model.ToolCall;

namespace ActorRollouts.Bench.Modes;

/// <summary>The .NET peer a user would pick instead: Microsoft Agent Framework's <see cref="ChatClientAgent"/> over
/// Microsoft.Extensions.AI's OpenAI chat client (streaming), with the same two tools backed by the same tool code
/// (<see cref="ToolExecutor"/>), one agent session per rollout, nothing persisted.</summary>
public sealed class AgentFrameworkMode : IMode
{
    public string Name => "agent-framework";

    public async Task<ModeResult> RunAsync(Workload workload, Uri baseUrl, string workDir, CancellationToken cancel)
    {
        var template = BenchFiles.Template(workDir);
        var clock = new StepClock();
        var openAi = new OpenAIClient(new ApiKeyCredential("no-key"), new OpenAIClientOptions
        {
            Endpoint = baseUrl, RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = TimeSpan.FromSeconds(120),
        });
        IChatClient chat = new TimedChatClient(openAi.GetChatClient(BenchFiles.Model).AsIChatClient(), clock);
        return await SessionDriver.RunAsync(Name, workload, clock, async (i, ct) =>
        {
            using var workspace = Workspace.Open(Path.Combine(workDir, "workspaces", $"t{i:d5}-0"), template);
            var tools = new SessionTools(new ToolExecutor(workspace, BenchFiles.Tools, EnvironmentOptions.Default with { Sandbox = SandboxMode.None }));
            var agent = new ChatClientAgent(chat, instructions: BenchFiles.System, name: "bench", tools: tools.AsAITools());
            var session = await agent.CreateSessionAsync(ct);
            TimedChatClient.SessionId.Value = $"af:t{i:d5}:0";
            await foreach (var _ in agent.RunStreamingAsync(BenchFiles.Prompt, session, cancellationToken: ct))
            {
            }
        }, cancel);
    }

    /// <summary>read_file and write_file as agent tools, run by the session's <see cref="ToolExecutor"/>.</summary>
    private sealed class SessionTools(ToolExecutor executor)
    {
        private int _calls;

        public IList<AITool> AsAITools() =>
        [
            AIFunctionFactory.Create((string path, CancellationToken ct) => RunAsync("read_file", new { path }, ct),
                "read_file", "Read a text file of the workspace."),
            AIFunctionFactory.Create((string path, string content, CancellationToken ct) => RunAsync("write_file", new { path, content }, ct),
                "write_file", "Write a text file of the workspace."),
        ];

        private async Task<string> RunAsync(string name, object arguments, CancellationToken ct)
        {
            var call = new ToolCall($"af_{Interlocked.Increment(ref _calls)}", name, JsonSerializer.Serialize(arguments));
            return (await executor.ExecuteAsync(call, ct)).Outcome.Content;
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
