using Microsoft.Extensions.Options;

namespace LoopEngine.Mcp;

/// <summary>Checks that the configured agent is a valid ai-agent actor and the org a valid id, with the engine's own rules.</summary>
internal sealed class LoopEngineMcpOptionsValidator : IValidateOptions<LoopEngineMcpOptions>
{
    public ValidateOptionsResult Validate(string? name, LoopEngineMcpOptions options)
    {
        var failures = new List<string>();
        try
        {
            _ = Actor.AiAgent(options.AgentId, options.ModelId, options.Provider, options.DefaultConfidence);
        }
        catch (ArgumentException ex)
        {
            failures.Add($"LoopEngineMcpOptions does not describe a valid AI agent: {ex.Message}");
        }

        if (options.OrgId is not null && !Identifiers.IsOpaqueId(options.OrgId))
        {
            failures.Add($"LoopEngineMcpOptions.OrgId '{Identifiers.Printable(options.OrgId)}' is not valid: {Identifiers.OpaqueIdRule}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
