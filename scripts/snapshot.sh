#!/usr/bin/env bash
# Takes an AWS account snapshot for `rolecall emr check --snapshot DIR`, with read-only credentials
# (for example the SecurityAudit or ReadOnlyAccess managed policy). It only runs `get`, `list` and `describe`
# commands and writes the JSON the AWS CLI prints, one file per command and resource:
#   DIR/SERVICE/COMMAND.json  or  DIR/SERVICE/COMMAND/ID.json
# with `%` and `/` in an ID percent-encoded (a secret named `team/git` is `describe-secret/team%2Fgit.json`).
# Usage: scripts/snapshot.sh DIR [--region REGION]   (also honours AWS_PROFILE and AWS_REGION)
# Organizations commands need the management account (or a delegated administrator); they are skipped when
# the credentials cannot call them.
set -euo pipefail

dir=${1:?usage: snapshot.sh DIR [--region REGION]}
shift
region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
if [[ ${1:-} == --region ]]; then region=${2:?--region needs a value}; fi
region=${region:-$(aws configure get region || true)}
region=${region:-us-east-1}
export AWS_PAGER=""
aws_() { aws --region "$region" --output json "$@"; }

mkdir -p "$dir"
echo "$region" > "$dir/region.txt"

# An ID as one file name: `%` and `/` percent-encoded, as the snapshot reader decodes them.
id_() {
  local s=${1//%/%25}
  printf '%s' "${s//\//%2F}"
}

# Writes the output of one command to a file; a command that fails (no permission, no such
# configuration, as for a bucket without a policy) leaves no file and is reported on stderr with the
# error's first line (the AWS CLI prints an empty line before a service error).
save() {
  local file=$1
  shift
  mkdir -p "$(dirname "$dir/$file")"
  if ! aws_ "$@" > "$dir/$file.tmp" 2> "$dir/$file.err"; then
    echo "skipped $file: $(grep -m 1 . "$dir/$file.err" || true)" >&2
    rm -f "$dir/$file.tmp" "$dir/$file.err"
    return 0
  fi
  mv "$dir/$file.tmp" "$dir/$file"
  rm -f "$dir/$file.err"
}

save sts/get-caller-identity.json sts get-caller-identity
save iam/get-account-authorization-details.json iam get-account-authorization-details
save ec2/describe-vpcs.json ec2 describe-vpcs
save ec2/describe-subnets.json ec2 describe-subnets
save ec2/describe-security-groups.json ec2 describe-security-groups

for b in $(aws_ s3api list-buckets --query 'Buckets[].Name' --output text); do
  save "s3api/get-bucket-policy/$(id_ "$b").json" s3api get-bucket-policy --bucket "$b"
  save "s3api/get-bucket-tagging/$(id_ "$b").json" s3api get-bucket-tagging --bucket "$b"
  save "s3api/get-bucket-encryption/$(id_ "$b").json" s3api get-bucket-encryption --bucket "$b"
done

for k in $(aws_ kms list-keys --query 'Keys[].KeyId' --output text); do
  save "kms/describe-key/$(id_ "$k").json" kms describe-key --key-id "$k"
  save "kms/get-key-policy/$(id_ "$k").json" kms get-key-policy --key-id "$k" --policy-name default
done

for s in $(aws_ secretsmanager list-secrets --query 'SecretList[].Name' --output text); do
  save "secretsmanager/describe-secret/$(id_ "$s").json" secretsmanager describe-secret --secret-id "$s"
done

for id in $(aws_ emr list-studios --query 'Studios[].StudioId' --output text 2>/dev/null || true); do
  save "emr/describe-studio/$(id_ "$id").json" emr describe-studio --studio-id "$id"
done
for id in $(aws_ emr-serverless list-applications --query 'applications[].id' --output text 2>/dev/null || true); do
  save "emr-serverless/get-application/$(id_ "$id").json" emr-serverless get-application --application-id "$id"
done

if aws_ organizations describe-organization > /dev/null 2>&1; then
  save organizations/describe-organization.json organizations describe-organization
  save organizations/list-roots.json organizations list-roots
  parents=$(aws_ organizations list-roots --query 'Roots[].Id' --output text)
  while [[ -n $parents ]]; do
    next=""
    for p in $parents; do
      save "organizations/list-organizational-units-for-parent/$p.json" organizations list-organizational-units-for-parent --parent-id "$p"
      save "organizations/list-accounts-for-parent/$p.json" organizations list-accounts-for-parent --parent-id "$p"
      next="$next $(aws_ organizations list-organizational-units-for-parent --parent-id "$p" --query 'OrganizationalUnits[].Id' --output text)"
    done
    parents=$(echo "$next" | xargs)
  done
  for type in SERVICE_CONTROL_POLICY RESOURCE_CONTROL_POLICY; do
    lower=$(echo "$type" | tr 'A-Z_' 'a-z-')
    save "organizations/list-policies-$lower.json" organizations list-policies --filter "$type"
    for p in $(aws_ organizations list-policies --filter "$type" --query 'Policies[].Id' --output text 2>/dev/null || true); do
      save "organizations/describe-policy/$p.json" organizations describe-policy --policy-id "$p"
      save "organizations/list-targets-for-policy/$p.json" organizations list-targets-for-policy --policy-id "$p"
    done
  done
else
  echo "skipped organizations: these credentials cannot read the organization" >&2
fi
echo "snapshot written to $dir" >&2
