namespace Mesh.Ads;

/// <summary>The business errors of ads: google.rpc.Status with an ErrorInfo (reason + metadata) in domain ads.mesh.</summary>
public static class AdsErrors
{
    public const string Domain = "ads.mesh";

    /// <summary>Also what a partner gets for another partner's campaign: its existence is not theirs to learn.</summary>
    public static RpcException CampaignNotFound(string id) => new(new Status(StatusCode.NotFound, $"No campaign \"{id}\" exists."));

    public static RpcException ImpressionNotFound(string id) => new(new Status(StatusCode.NotFound, $"No ad impression \"{id}\" exists."));

    public static RpcException NotPending(string id, string state) =>
        Error(Google.Rpc.Code.FailedPrecondition, "CAMPAIGN_NOT_PENDING", $"Campaign {id} is {state}; only a campaign pending approval can be approved.",
            ("campaign_id", id), ("state", state));

    public static RpcException Error(Google.Rpc.Code code, string reason, string message, params (string Key, string Value)[] metadata)
    {
        var info = new Google.Rpc.ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new Google.Rpc.Status { Code = (int)code, Message = message }.WithDetail(info).ToRpcException();
    }
}
