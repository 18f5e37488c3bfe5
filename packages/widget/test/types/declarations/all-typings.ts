// Every framework typing in one program, its declaration files checked in full: tsc's default
// `skipLibCheck: false`, which many projects keep (a generated file naming a type its framework lacks fails here).
import type {} from '@mesh-pay/widget/react';
import type {} from '@mesh-pay/widget/preact';
import type {} from '@mesh-pay/widget/solid';
import type {} from '@mesh-pay/widget/vue';
import type {} from '@mesh-pay/widget/svelte';
