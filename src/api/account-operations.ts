/**
 * IAM's account-wide operations beyond identities: GetAccountSummary (counts and quotas) and the account
 * alias (at most one per account, unique across accounts). None has a resource: each is authorized on `*`.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
import { ACCOUNT_SUMMARY_KEYS } from '../iam/accounts.js';
import type { IamControl } from './control.js';
import type { Operation, OperationContext, OperationResult } from './operation.js';
import { pageTail, paginate } from './pagination.js';
import { XmlMap } from './xml.js';

function onAll(name: string, run: (ctx: OperationContext) => Promise<OperationResult>): Operation {
  return { service: 'iam', name, authorize: () => [{ action: `iam:${name}`, resource: '*' }], run };
}

export function accountOperations(control: IamControl): Operation[] {
  return [
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html (SummaryMap)
    onAll('GetAccountSummary', async () => {
      const summary = await control.accountSummary();
      return { SummaryMap: new XmlMap(ACCOUNT_SUMMARY_KEYS.map((k) => [k, summary[k]])) };
    }),
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccountAlias.html
    onAll('CreateAccountAlias', async ({ params }) => {
      await control.createAccountAlias(params.required('AccountAlias'));
      return undefined;
    }),
    onAll('DeleteAccountAlias', async ({ params }) => {
      await control.deleteAccountAlias(params.required('AccountAlias'));
      return undefined;
    }),
    onAll('ListAccountAliases', async ({ params }) => {
      const page = paginate(await control.listAccountAliases(), (a) => a, params);
      return { AccountAliases: page.items, ...pageTail(page) };
    }),
  ];
}
