// The one line a Vue app adds to type <mesh-pay-button> in its templates (GlobalComponents).
import type {} from '@mesh-pay/widget/vue';
